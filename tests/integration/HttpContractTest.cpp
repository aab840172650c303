#include "NodeProcess.h"
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <cppunit/extensions/HelperMacros.h>

using p2p::test::HttpResult;
using p2p::test::NodeProcess;

/// The endpoints every node serves, against a real process.
class HttpContractTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(HttpContractTest);
	CPPUNIT_TEST(testCoreEndpoints);
	CPPUNIT_TEST(testMetricsCountRequestsByRouteAndStatus);
	CPPUNIT_TEST(testHeadAndUnknownPaths);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_node = std::make_unique<NodeProcess>(std::vector<std::string>{"-Dplugins.load=messaging", "-Dnode.id=node-under-test",
		                                                              "-Dnode.advertise=http://node1:5000"});
		_port = _node->waitUntilListening();
	}

	void tearDown() override { _node.reset(); }

	void testCoreEndpoints()
	{
		HttpResult root = p2p::test::http(_port, "GET", "/");
		CPPUNIT_ASSERT_EQUAL(std::string(R"({"message":"Node node-under-test is running!"})"), root.body);

		HttpResult health = p2p::test::http(_port, "GET", "/health");
		CPPUNIT_ASSERT_EQUAL(200, health.status);
		CPPUNIT_ASSERT_EQUAL(std::string(R"({"status":"ok"})"), health.body);

		auto status = p2p::test::jsonObject(p2p::test::http(_port, "GET", "/status").body);
		CPPUNIT_ASSERT_EQUAL(std::string("node-under-test"), status->getValue<std::string>("id"));
		CPPUNIT_ASSERT_EQUAL(std::string("http://node1:5000"), status->getValue<std::string>("url"));
		CPPUNIT_ASSERT(status->getValue<int>("uptime_seconds") >= 0);
		auto plugins = status->getArray("plugins");
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), plugins->size());
		CPPUNIT_ASSERT_EQUAL(std::string("messaging"), plugins->getObject(0)->getValue<std::string>("name"));
		CPPUNIT_ASSERT_EQUAL(std::string("1.0.0"), plugins->getObject(0)->getValue<std::string>("version"));
	}

	void testMetricsCountRequestsByRouteAndStatus()
	{
		p2p::test::http(_port, "POST", "/message", R"({"sender_id": "a", "message": "b"})");
		p2p::test::http(_port, "POST", "/message", R"({"sender_id": "a"})");
		HttpResult metrics = p2p::test::http(_port, "GET", "/metrics");
		CPPUNIT_ASSERT_EQUAL(200, metrics.status);
		CPPUNIT_ASSERT(metrics.headers.get("Content-Type").find("text/plain") == 0);
		const std::string& text = metrics.body;
		CPPUNIT_ASSERT(text.find("p2p_http_requests_total{route=\"POST /message\",status=\"200\"} 1\n") != std::string::npos);
		CPPUNIT_ASSERT(text.find("p2p_http_requests_total{route=\"POST /message\",status=\"400\"} 1\n") != std::string::npos);
		CPPUNIT_ASSERT(text.find("# TYPE p2p_http_request_seconds histogram\n") != std::string::npos);
		CPPUNIT_ASSERT(text.find("p2p_plugin_info{name=\"messaging\",version=\"1.0.0\"} 1\n") != std::string::npos);
		CPPUNIT_ASSERT(text.find("p2p_messaging_received_total 1\n") != std::string::npos);
		CPPUNIT_ASSERT(text.find("process_resident_memory_bytes ") != std::string::npos);
	}

	void testHeadAndUnknownPaths()
	{
		HttpResult head = p2p::test::http(_port, "HEAD", "/health");
		CPPUNIT_ASSERT_EQUAL(200, head.status);
		CPPUNIT_ASSERT(head.body.empty());

		HttpResult unknown = p2p::test::http(_port, "GET", "/no/such/thing", "", "", {{"X-Request-Id", "abc-123"}});
		CPPUNIT_ASSERT_EQUAL(404, unknown.status);
		CPPUNIT_ASSERT_EQUAL(std::string("abc-123"), unknown.headers.get("X-Request-Id"));
		auto body = p2p::test::jsonObject(unknown.body);
		CPPUNIT_ASSERT_EQUAL(std::string("abc-123"), body->getValue<std::string>("request_id"));
		CPPUNIT_ASSERT_EQUAL(std::string("no endpoint /no/such/thing on this node"), body->getValue<std::string>("error"));
	}

private:

	std::unique_ptr<NodeProcess> _node;
	Poco::UInt16 _port = 0;
};

CPPUNIT_TEST_SUITE_REGISTRATION(HttpContractTest);
