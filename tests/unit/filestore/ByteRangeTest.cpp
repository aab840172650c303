#include "ByteRange.h"
#include "p2p/Errors.h"
#include <cppunit/extensions/HelperMacros.h>

using p2p::filestore::ByteRange;

class ByteRangeTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(ByteRangeTest);
	CPPUNIT_TEST(testSingleRanges);
	CPPUNIT_TEST(testWholeFileWhenNotUnderstood);
	CPPUNIT_TEST(testUnsatisfiable);
	CPPUNIT_TEST_SUITE_END();

public:
	void testSingleRanges()
	{
		check("bytes=0-99", 1000, 0, 99);
		check("bytes=500-", 1000, 500, 999);
		check("bytes=-100", 1000, 900, 999);
		check("bytes=-5000", 1000, 0, 999);   // more than there is: all of it
		check("bytes=990-5000", 1000, 990, 999); // clipped to the end
		check(" bytes=7-7 ", 1000, 7, 7);
	}

	void testWholeFileWhenNotUnderstood()
	{
		for (const char* header : {"", "items=0-1", "bytes=0-1,5-6", "bytes=x-1", "bytes=5-2", "bytes=-", "bytes=1"})
			CPPUNIT_ASSERT_MESSAGE(header, !ByteRange::parse(header, 1000));
	}

	void testUnsatisfiable()
	{
		CPPUNIT_ASSERT_THROW(ByteRange::parse("bytes=1000-", 1000), p2p::RangeNotSatisfiableException);
		CPPUNIT_ASSERT_THROW(ByteRange::parse("bytes=0-0", 0), p2p::RangeNotSatisfiableException);
		CPPUNIT_ASSERT_THROW(ByteRange::parse("bytes=-0", 1000), p2p::RangeNotSatisfiableException);
	}

private:
	static void check(const std::string& header, Poco::UInt64 size, Poco::UInt64 first, Poco::UInt64 last)
	{
		const auto range = ByteRange::parse(header, size);
		CPPUNIT_ASSERT_MESSAGE(header, range.has_value());
		CPPUNIT_ASSERT_EQUAL_MESSAGE(header, first, range->first);
		CPPUNIT_ASSERT_EQUAL_MESSAGE(header, last, range->last);
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(ByteRangeTest);
