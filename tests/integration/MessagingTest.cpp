#include "NodeProcess.h"
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <cppunit/extensions/HelperMacros.h>

using p2p::test::HttpResult;
using p2p::test::NodeProcess;

/// The seed's messaging contract against a real p2p-node process.
class MessagingTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(MessagingTest);
	CPPUNIT_TEST(testSeedMessageIsReceivedAndLogged);
	CPPUNIT_TEST(testInboxListsRecentMessages);
	CPPUNIT_TEST(testBadInputGetsJsonErrors);
	CPPUNIT_TEST(testNodeWithoutMessagingAnswers404);
	CPPUNIT_TEST_SUITE_END();

public:
	void testSeedMessageIsReceivedAndLogged()
	{
		NodeProcess node({"--config", p2p::test::sourceDir() + "/config/node.properties"});
		const auto port = node.waitUntilListening();
		HttpResult r = p2p::test::http(port, "POST", "/message", R"({"sender_id": "Node1", "message": "Hello Node2!"})");
		CPPUNIT_ASSERT_EQUAL(200, r.status);
		CPPUNIT_ASSERT_EQUAL(std::string(R"({"status":"received"})"), r.body);
		CPPUNIT_ASSERT(node.waitForOutput("messaging: Received message from Node1: Hello Node2!\n"));
	}

	void testInboxListsRecentMessages()
	{
		NodeProcess node({"-Dplugins.load=messaging", "-Dmessaging.inbox_size=2"});
		const auto port = node.waitUntilListening();
		for (const char* text : {"one", "two", "three"})
		{
			const std::string body = std::string(R"({"sender_id": "Node1", "message": ")") + text + "\"}";
			CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(port, "POST", "/message", body).status);
		}
		HttpResult r = p2p::test::http(port, "GET", "/messages");
		CPPUNIT_ASSERT_EQUAL(200, r.status);
		auto body = p2p::test::jsonObject(r.body);
		auto messages = body->getArray("messages");
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), messages->size());
		CPPUNIT_ASSERT_EQUAL(std::string("two"), messages->getObject(0)->getValue<std::string>("message"));
		CPPUNIT_ASSERT_EQUAL(std::string("three"), messages->getObject(1)->getValue<std::string>("message"));
		CPPUNIT_ASSERT_EQUAL(std::string("Node1"), messages->getObject(1)->getValue<std::string>("sender_id"));
		CPPUNIT_ASSERT(messages->getObject(1)->has("received_at"));
		CPPUNIT_ASSERT_EQUAL(3, body->getValue<int>("total_received"));
		CPPUNIT_ASSERT_EQUAL(400, p2p::test::http(port, "GET", "/messages?limit=zero").status);
	}

	void testBadInputGetsJsonErrors()
	{
		NodeProcess node({"-Dplugins.load=messaging"});
		const auto port = node.waitUntilListening();

		HttpResult malformed = p2p::test::http(port, "POST", "/message", "{bad");
		CPPUNIT_ASSERT_EQUAL(400, malformed.status);
		assertJsonError(malformed);

		HttpResult missing = p2p::test::http(port, "POST", "/message", R"({"sender_id": "Node1"})");
		CPPUNIT_ASSERT_EQUAL(400, missing.status);
		CPPUNIT_ASSERT_EQUAL(std::string("field 'message' is required"), assertJsonError(missing));

		HttpResult wrongType = p2p::test::http(port, "POST", "/message", R"({"sender_id": 1, "message": "x"})");
		CPPUNIT_ASSERT_EQUAL(400, wrongType.status);
		CPPUNIT_ASSERT_EQUAL(std::string("field 'sender_id' must be a string"), assertJsonError(wrongType));

		HttpResult notObject = p2p::test::http(port, "POST", "/message", R"(["Node1", "hi"])");
		CPPUNIT_ASSERT_EQUAL(400, notObject.status);

		HttpResult get = p2p::test::http(port, "GET", "/message");
		CPPUNIT_ASSERT_EQUAL(405, get.status);
		CPPUNIT_ASSERT_EQUAL(std::string("POST"), get.headers.get("Allow"));
		assertJsonError(get);

		HttpResult huge = p2p::test::http(port, "POST", "/message", std::string(2 * 1024 * 1024, 'x'));
		CPPUNIT_ASSERT_EQUAL(413, huge.status);
		assertJsonError(huge);

		HttpResult form = p2p::test::http(port, "POST", "/message", "a=b", "application/x-www-form-urlencoded");
		CPPUNIT_ASSERT_EQUAL(415, form.status);
		assertJsonError(form);

		// The node is still fine after all that.
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(port, "GET", "/health").status);
	}

	void testNodeWithoutMessagingAnswers404()
	{
		NodeProcess node({"-Dplugins.load="});
		const auto port = node.waitUntilListening();
		HttpResult r = p2p::test::http(port, "POST", "/message", R"({"sender_id": "Node1", "message": "Hello"})");
		CPPUNIT_ASSERT_EQUAL(404, r.status);
		assertJsonError(r);
	}

private:
	static std::string assertJsonError(const HttpResult& result)
	{
		CPPUNIT_ASSERT_EQUAL(std::string("application/json"), result.headers.get("Content-Type"));
		auto body = p2p::test::jsonObject(result.body);
		const std::string sentence = body->getValue<std::string>("error");
		CPPUNIT_ASSERT(!sentence.empty());
		return sentence;
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(MessagingTest);
