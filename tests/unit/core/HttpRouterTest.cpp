#include "LoopbackServer.h"
#include "TestSupport.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketStream.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Logger.h>
#include <Poco/String.h>
#include <cppunit/extensions/HelperMacros.h>
#include <atomic>
#include <mutex>
#include <vector>
#include <stdexcept>

using p2p::test::HttpResult;

/// The router behind a real POCO HTTP server on a loopback port.
class HttpRouterTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(HttpRouterTest);
	CPPUNIT_TEST(testJsonBodyReachesHandler);
	CPPUNIT_TEST(testPathParameterIsDecoded);
	CPPUNIT_TEST(testUnknownPathIs404Json);
	CPPUNIT_TEST(testWrongMethodIs405WithAllow);
	CPPUNIT_TEST(testWrongContentTypeIs415);
	CPPUNIT_TEST(testOversizeBodyIs413BeforeReading);
	CPPUNIT_TEST(testMalformedJsonIs400);
	CPPUNIT_TEST(testEmptyBodyIs400);
	CPPUNIT_TEST(testMissingLengthIs411);
	CPPUNIT_TEST(testHandlerExceptionsAreMapped);
	CPPUNIT_TEST(testUnexpectedExceptionHidesDetails);
	CPPUNIT_TEST(testRequestIdIsEchoedOrMade);
	CPPUNIT_TEST(testTheAccessLogEscapesWhatTheClientSent);
	CPPUNIT_TEST(testRequestsAreCounted);
	CPPUNIT_TEST(testNoRoutesAfterFreeze);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		p2p::HttpRouter::Settings settings = p2p::test::LoopbackServer::quiet();
		settings.maxBodyBytes = 1024;
		_loopback = std::make_unique<p2p::test::LoopbackServer>(settings);
		p2p::HttpRouter& router = _loopback->router();
		p2p::RouteOptions json;
		json.body = p2p::Body::Json;
		router.add("POST", "/echo", [this](p2p::Request& request, p2p::Response& response) {
			++_handled;
			response.json(request.json());
		}, json);
		router.add("GET", "/items/{id}", [](p2p::Request& request, p2p::Response& response) {
			auto body = p2p::json::object();
			body->set("id", request.param("id"));
			response.json(body);
		});
		router.add("GET", "/missing", [](p2p::Request&, p2p::Response&) { throw Poco::NotFoundException("key not found"); });
		router.add("GET", "/busy", [](p2p::Request&, p2p::Response&) { throw p2p::ServiceUnavailableException("all 3 replicas are down"); });
		router.add("GET", "/bug", [](p2p::Request&, p2p::Response&) { throw std::runtime_error("secret detail"); });
		_loopback->start();
		_port = _loopback->port();
	}

	void tearDown() override { _loopback.reset(); }

	void testJsonBodyReachesHandler()
	{
		HttpResult r = p2p::test::http(_port, "POST", "/echo", R"({"a": [1, "two"]})");
		CPPUNIT_ASSERT_EQUAL(200, r.status);
		CPPUNIT_ASSERT_EQUAL(std::string(R"({"a":[1,"two"]})"), r.body);
		CPPUNIT_ASSERT_EQUAL(std::string("application/json"), r.headers.get("Content-Type"));
		// JSON subtypes and parameters are fine too.
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(_port, "POST", "/echo", "{}", "application/merge-patch+json; charset=utf-8").status);
	}

	void testPathParameterIsDecoded()
	{
		HttpResult r = p2p::test::http(_port, "GET", "/items/a%2Fb%20c");
		CPPUNIT_ASSERT_EQUAL(200, r.status);
		CPPUNIT_ASSERT_EQUAL(std::string(R"({"id":"a/b c"})"), r.body);
		CPPUNIT_ASSERT_EQUAL(400, p2p::test::http(_port, "GET", "/items/%zz").status);
	}

	void testUnknownPathIs404Json()
	{
		HttpResult r = p2p::test::http(_port, "GET", "/nosuch");
		CPPUNIT_ASSERT_EQUAL(404, r.status);
		CPPUNIT_ASSERT_EQUAL(std::string("no endpoint /nosuch on this node"), error(r));
	}

	void testWrongMethodIs405WithAllow()
	{
		HttpResult r = p2p::test::http(_port, "GET", "/echo");
		CPPUNIT_ASSERT_EQUAL(405, r.status);
		CPPUNIT_ASSERT_EQUAL(std::string("POST"), r.headers.get("Allow"));
		CPPUNIT_ASSERT_EQUAL(std::string("method GET is not allowed on /echo"), error(r));
		HttpResult put = p2p::test::http(_port, "PUT", "/items/1", "{}");
		CPPUNIT_ASSERT_EQUAL(405, put.status);
		CPPUNIT_ASSERT_EQUAL(std::string("GET, HEAD"), put.headers.get("Allow"));
	}

	void testWrongContentTypeIs415()
	{
		HttpResult r = p2p::test::http(_port, "POST", "/echo", "a=b", "application/x-www-form-urlencoded");
		CPPUNIT_ASSERT_EQUAL(415, r.status);
		CPPUNIT_ASSERT(error(r).find("application/json") != std::string::npos);
		CPPUNIT_ASSERT_EQUAL(0, _handled.load());
	}

	void testOversizeBodyIs413BeforeReading()
	{
		HttpResult r = p2p::test::http(_port, "POST", "/echo", "[" + std::string(2000, ' ') + "]");
		CPPUNIT_ASSERT_EQUAL(413, r.status);
		CPPUNIT_ASSERT_EQUAL(std::string("request body is 2002 bytes; the limit is 1024 bytes"), error(r));
		// The unread body must not be taken for the next request.
		CPPUNIT_ASSERT_EQUAL(0, Poco::icompare(r.headers.get("Connection"), "close"));
		CPPUNIT_ASSERT_EQUAL(0, _handled.load());
	}

	void testMalformedJsonIs400()
	{
		HttpResult r = p2p::test::http(_port, "POST", "/echo", "{bad");
		CPPUNIT_ASSERT_EQUAL(400, r.status);
		CPPUNIT_ASSERT(error(r).find("request body is not valid JSON") == 0);
	}

	void testEmptyBodyIs400()
	{
		HttpResult r = p2p::test::http(_port, "POST", "/echo", "");
		CPPUNIT_ASSERT_EQUAL(400, r.status);
		CPPUNIT_ASSERT(error(r).find("request body is empty") == 0);
	}

	void testMissingLengthIs411()
	{
		Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", _port));
		socket.setReceiveTimeout(Poco::Timespan(5, 0));
		Poco::Net::SocketStream stream(socket);
		stream << "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" << std::flush;
		std::string statusLine;
		std::getline(stream, statusLine);
		CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 411 Length Required\r"), statusLine);
	}

	void testHandlerExceptionsAreMapped()
	{
		HttpResult missing = p2p::test::http(_port, "GET", "/missing");
		CPPUNIT_ASSERT_EQUAL(404, missing.status);
		CPPUNIT_ASSERT_EQUAL(std::string("key not found"), error(missing));
		HttpResult busy = p2p::test::http(_port, "GET", "/busy");
		CPPUNIT_ASSERT_EQUAL(503, busy.status);
		CPPUNIT_ASSERT_EQUAL(std::string("all 3 replicas are down"), error(busy));
	}

	void testUnexpectedExceptionHidesDetails()
	{
		HttpResult r = p2p::test::http(_port, "GET", "/bug");
		CPPUNIT_ASSERT_EQUAL(500, r.status);
		CPPUNIT_ASSERT(r.body.find("secret") == std::string::npos);
		CPPUNIT_ASSERT(error(r).find(r.headers.get("X-Request-Id")) != std::string::npos);
	}

	void testRequestIdIsEchoedOrMade()
	{
		HttpResult given = p2p::test::http(_port, "GET", "/items/1", "", "", {{"X-Request-Id", "trace-42"}});
		CPPUNIT_ASSERT_EQUAL(std::string("trace-42"), given.headers.get("X-Request-Id"));
		HttpResult a = p2p::test::http(_port, "GET", "/items/1");
		HttpResult b = p2p::test::http(_port, "GET", "/items/1");
		CPPUNIT_ASSERT(!a.headers.get("X-Request-Id").empty());
		CPPUNIT_ASSERT(a.headers.get("X-Request-Id") != b.headers.get("X-Request-Id"));
		// An id with spaces or control characters is replaced, not echoed.
		HttpResult bad = p2p::test::http(_port, "GET", "/items/1", "", "", {{"X-Request-Id", "a b"}});
		CPPUNIT_ASSERT(bad.headers.get("X-Request-Id") != "a b");
	}

	void testTheAccessLogEscapesWhatTheClientSent()
	{
		// Lines of the access log, kept here for the test.
		class Lines: public Poco::Channel
		{
		public:
			void log(const Poco::Message& message) override
			{
				std::lock_guard<std::mutex> lock(mutex);
				lines.push_back(message.getText());
			}
			std::mutex mutex;
			std::vector<std::string> lines;
		};
		Poco::AutoPtr<Lines> lines(new Lines);
		Poco::Logger& access = Poco::Logger::get("http.access");
		Poco::AutoPtr<Poco::Channel> before(access.getChannel(), true);
		const int level = access.getLevel();
		access.setChannel(lines);
		access.setLevel(Poco::Message::PRIO_INFORMATION);
		{
			p2p::HttpRouter::Settings settings = p2p::test::LoopbackServer::quiet();
			settings.accessLog = true;
			p2p::test::LoopbackServer logged(settings);
			logged.start();
			Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", logged.port()));
			const std::string request = "GET /x\x1b]0;pwned\x07\x1b[2J HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
			socket.sendBytes(request.data(), static_cast<int>(request.size()));
			char buffer[1024];
			while (socket.receiveBytes(buffer, sizeof(buffer)) > 0)
			{
			}
		} // the server waits for its handlers, and so for the log line
		access.setChannel(before);
		access.setLevel(level);
		std::lock_guard<std::mutex> lock(lines->mutex);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), lines->lines.size());
		const std::string& line = lines->lines.front();
		CPPUNIT_ASSERT_MESSAGE(line, line.find('\x1b') == std::string::npos && line.find('\x07') == std::string::npos);
		CPPUNIT_ASSERT_MESSAGE(line, line.find("GET /x\\x1b]0;pwned\\x07\\x1b[2J HTTP/1.1") != std::string::npos);
	}

	void testRequestsAreCounted()
	{
		p2p::test::http(_port, "POST", "/echo", "{}");
		p2p::test::http(_port, "POST", "/echo", "{}");
		p2p::test::http(_port, "POST", "/echo", "{bad");
		p2p::test::http(_port, "GET", "/nowhere");
		const std::string text = _loopback->metrics().render();
		CPPUNIT_ASSERT(text.find("p2p_http_requests_total{route=\"POST /echo\",status=\"200\"} 2\n") != std::string::npos);
		CPPUNIT_ASSERT(text.find("p2p_http_requests_total{route=\"POST /echo\",status=\"400\"} 1\n") != std::string::npos);
		CPPUNIT_ASSERT(text.find("p2p_http_requests_total{route=\"unmatched\",status=\"404\"} 1\n") != std::string::npos);
		CPPUNIT_ASSERT(text.find("p2p_http_request_seconds_count{route=\"POST /echo\"} 3\n") != std::string::npos);
	}

	void testNoRoutesAfterFreeze()
	{
		CPPUNIT_ASSERT_THROW(_loopback->router().add("GET", "/late", [](p2p::Request&, p2p::Response&) {}, {}),
		                     Poco::IllegalStateException);
	}

private:
	static std::string error(const HttpResult& result)
	{
		auto body = p2p::json::asObject(p2p::json::parse(result.body));
		CPPUNIT_ASSERT_EQUAL(result.status, body->getValue<int>("status"));
		return body->getValue<std::string>("error");
	}

	std::unique_ptr<p2p::test::LoopbackServer> _loopback;
	Poco::UInt16 _port = 0;
	std::atomic<int> _handled{0};
};

CPPUNIT_TEST_SUITE_REGISTRATION(HttpRouterTest);
