#include "http/RequestRates.h"
#include <cppunit/extensions/HelperMacros.h>

using p2p::RequestRates;

class RequestRatesTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(RequestRatesTest);
	CPPUNIT_TEST(testABurstThenTheRate);
	CPPUNIT_TEST(testAddressesHaveBucketsOfTheirOwn);
	CPPUNIT_TEST(testFullBucketsAreForgotten);
	CPPUNIT_TEST(testZeroIsNoLimit);
	CPPUNIT_TEST_SUITE_END();

public:
	void testABurstThenTheRate()
	{
		RequestRates rates(10, 5);
		Poco::Timestamp::TimeVal now = 1000000000;
		for (int i = 0; i < 5; ++i) CPPUNIT_ASSERT(rates.take("a", now));
		CPPUNIT_ASSERT(!rates.take("a", now));
		now += 100000; // a tenth of a second: one more
		CPPUNIT_ASSERT(rates.take("a", now));
		CPPUNIT_ASSERT(!rates.take("a", now));
		now += 10 * 1000000; // long enough to fill, never beyond the burst
		for (int i = 0; i < 5; ++i) CPPUNIT_ASSERT(rates.take("a", now));
		CPPUNIT_ASSERT(!rates.take("a", now));
	}

	void testAddressesHaveBucketsOfTheirOwn()
	{
		RequestRates rates(1, 1);
		CPPUNIT_ASSERT(rates.take("a", 1));
		CPPUNIT_ASSERT(!rates.take("a", 1));
		CPPUNIT_ASSERT(rates.take("b", 1));
	}

	void testFullBucketsAreForgotten()
	{
		RequestRates rates(100, 100); // full again a second after its last request
		for (int i = 0; i < 50; ++i) rates.take("address-" + std::to_string(i), 1000000);
		CPPUNIT_ASSERT_EQUAL(std::size_t(50), rates.tracked());
		for (int i = 0; i < 50; ++i) rates.take("later-" + std::to_string(i), 3000000);
		CPPUNIT_ASSERT_EQUAL(std::size_t(50), rates.tracked());
	}

	void testZeroIsNoLimit()
	{
		RequestRates rates(0, 0);
		CPPUNIT_ASSERT(!rates.limits());
		for (int i = 0; i < 1000; ++i) CPPUNIT_ASSERT(rates.take("a", 1));
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), rates.tracked());
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(RequestRatesTest);
