#include "p2p/Errors.h"
#include "p2p/Json.h"
#include <cppunit/extensions/HelperMacros.h>

namespace json = p2p::json;

class JsonTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(JsonTest);
	CPPUNIT_TEST(testParseRejectsMalformedText);
	CPPUNIT_TEST(testAsObjectRejectsOtherValues);
	CPPUNIT_TEST(testRequireStringNamesTheField);
	CPPUNIT_TEST(testRequireInt);
	CPPUNIT_TEST(testStringifyKeepsKeyOrderAndSlashes);
	CPPUNIT_TEST_SUITE_END();

public:
	void testParseRejectsMalformedText()
	{
		CPPUNIT_ASSERT_THROW(json::parse("{bad"), p2p::BadRequestException);
		CPPUNIT_ASSERT_THROW(json::parse(""), p2p::BadRequestException);
		CPPUNIT_ASSERT_THROW(json::parse("3 4"), p2p::BadRequestException);
		CPPUNIT_ASSERT_THROW(json::parse("1],[2"), p2p::BadRequestException);
		// More than one value: what would inject fields where the text is written out as it is.
		CPPUNIT_ASSERT_THROW(json::parse("1,2"), p2p::BadRequestException);
		CPPUNIT_ASSERT_THROW(json::parse("0,\"key\":\"other\""), p2p::BadRequestException);
		CPPUNIT_ASSERT_THROW(json::parse("{\"a\":1},\"key\":2"), p2p::BadRequestException);
		CPPUNIT_ASSERT_THROW(json::parse("[1],2"), p2p::BadRequestException);
		// Any JSON value is a document (RFC 8259), not only objects and arrays.
		CPPUNIT_ASSERT_EQUAL(3, json::parse(" 3 ").convert<int>());
		CPPUNIT_ASSERT_EQUAL(std::string("blue"), json::parse("\"blue\"").convert<std::string>());
		CPPUNIT_ASSERT(json::parse("null").isEmpty());
	}

	void testAsObjectRejectsOtherValues()
	{
		CPPUNIT_ASSERT_THROW(json::asObject(json::parse("[1,2]")), p2p::BadRequestException);
		CPPUNIT_ASSERT_THROW(json::asObject(json::parse("\"x\"")), p2p::BadRequestException);
		CPPUNIT_ASSERT(json::asObject(json::parse("{\"a\":1}"))->has("a"));
	}

	void testRequireStringNamesTheField()
	{
		auto object = json::asObject(json::parse(R"({"sender_id": 3, "message": "hi", "nothing": null})"));
		CPPUNIT_ASSERT_EQUAL(std::string("hi"), json::requireString(*object, "message"));
		assertMessage([&] { json::requireString(*object, "sender_id"); }, "field 'sender_id' must be a string");
		assertMessage([&] { json::requireString(*object, "absent"); }, "field 'absent' is required");
		assertMessage([&] { json::requireString(*object, "nothing"); }, "field 'nothing' is required");
	}

	void testRequireInt()
	{
		auto object = json::asObject(json::parse(R"({"ttl": 2, "bad": "2", "frac": 2.5})"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(2), json::requireInt(*object, "ttl"));
		assertMessage([&] { json::requireInt(*object, "bad"); }, "field 'bad' must be an integer");
		assertMessage([&] { json::requireInt(*object, "frac"); }, "field 'frac' must be an integer");
	}

	void testStringifyKeepsKeyOrderAndSlashes()
	{
		auto object = json::object();
		object->set("peers", "http://node1:5000");
		object->set("a", 1);
		CPPUNIT_ASSERT_EQUAL(std::string(R"({"peers":"http://node1:5000","a":1})"), json::stringify(object));
	}

private:
	template <class F>
	void assertMessage(F f, const std::string& expected)
	{
		try
		{
			f();
			CPPUNIT_FAIL("expected BadRequestException: " + expected);
		}
		catch (const p2p::BadRequestException& exc)
		{
			CPPUNIT_ASSERT_EQUAL(expected, exc.message());
		}
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(JsonTest);
