#include "EntryCodec.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include <cppunit/extensions/HelperMacros.h>

using p2p::kvstore::Entry;
using p2p::kvstore::EntryCodec;

class EntryCodecTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(EntryCodecTest);
	CPPUNIT_TEST(testRoundTrip);
	CPPUNIT_TEST(testTombstoneRoundTrip);
	CPPUNIT_TEST(testRejectsMalformedEntries);
	CPPUNIT_TEST_SUITE_END();

public:
	void testRoundTrip()
	{
		Entry entry;
		entry.value = "{\"n\":[1,2],\"s\":\"caf\xc3\xa9\"}";
		entry.timestamp = 1700000000123456;
		entry.node = "node-7";
		const auto text = p2p::json::stringify(EntryCodec::toJson("a/b c", entry));
		const auto [key, back] = EntryCodec::fromJson(*p2p::json::asObject(p2p::json::parse(text)));
		CPPUNIT_ASSERT_EQUAL(std::string("a/b c"), key);
		CPPUNIT_ASSERT_EQUAL(entry.value, back.value);
		CPPUNIT_ASSERT_EQUAL(entry.timestamp, back.timestamp);
		CPPUNIT_ASSERT_EQUAL(entry.node, back.node);
		CPPUNIT_ASSERT(!back.deleted);
	}

	void testTombstoneRoundTrip()
	{
		Entry entry;
		entry.timestamp = 5;
		entry.node = "n";
		entry.deleted = true;
		const auto [key, back] = EntryCodec::fromJson(*EntryCodec::toJson("k", entry));
		CPPUNIT_ASSERT(back.deleted);
		CPPUNIT_ASSERT(back.value.empty());
	}

	void testRejectsMalformedEntries()
	{
		const char* bad[] = {
			R"({"value": "1", "timestamp": 5, "node": "n"})",              // no key
			R"({"key": "", "value": "1", "timestamp": 5, "node": "n"})",   // empty key
			R"({"key": "k", "value": "1", "timestamp": 0, "node": "n"})",  // no time
			R"({"key": "k", "value": "1", "timestamp": "5", "node": "n"})", // time not a number
			R"({"key": "k", "value": "1", "timestamp": 5, "node": ""})",   // no node
			R"({"key": "k", "value": "{oops", "timestamp": 5, "node": "n"})", // value not JSON
			R"({"key": "k", "value": 1, "timestamp": 5, "node": "n"})",    // value not JSON text
			R"({"key": "k", "value": "1", "timestamp": 9223372036854775807, "node": "n"})", // wins forever
			R"({"key": "k", "value": "1", "timestamp": 18446744073709551615, "node": "n"})", // beyond Int64
		};
		for (const char* text : bad)
			CPPUNIT_ASSERT_THROW_MESSAGE(text, EntryCodec::fromJson(*p2p::json::asObject(p2p::json::parse(text))),
			                             p2p::BadRequestException);
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(EntryCodecTest);
