#include "LoopbackServer.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include "p2p/PeerClient.h"
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Thread.h>
#include <thread>
#include <cppunit/extensions/HelperMacros.h>

/// PeerClient against a real POCO server on a loopback port.
class PeerClientTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(PeerClientTest);
	CPPUNIT_TEST(testAnswersComeBackWithTheirStatus);
	CPPUNIT_TEST(testConnectionsArePooled);
	CPPUNIT_TEST(testUnpooledClientKeepsNothing);
	CPPUNIT_TEST(testUnreachablePeerIsBadGateway);
	CPPUNIT_TEST(testSlowPeerIsGatewayTimeout);
	CPPUNIT_TEST(testMalformedUrlIsBadGateway);
	CPPUNIT_TEST(testOversizeAnswerIsBadGateway);
	CPPUNIT_TEST(testAnAnswerCutOffIsNoAnswer);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_loopback = std::make_unique<p2p::test::LoopbackServer>();
		p2p::RouteOptions json;
		json.body = p2p::Body::Json;
		_loopback->router().add("POST", "/echo", [](p2p::Request& rq, p2p::Response& rs) { rs.json(rq.json()); }, json);
		_loopback->router().add("GET", "/slow", [](p2p::Request&, p2p::Response& rs) {
			Poco::Thread::sleep(1000);
			rs.send("late", "text/plain");
		});
		_loopback->start();
		_url = _loopback->url();
	}

	void tearDown() override { _loopback.reset(); }

	void testAnswersComeBackWithTheirStatus()
	{
		p2p::PeerClient client;
		auto body = p2p::json::object();
		body->set("k", "v");
		p2p::PeerResponse echo = client.sendJson(_url, "POST", "/echo", body);
		CPPUNIT_ASSERT_EQUAL(200, echo.status);
		CPPUNIT_ASSERT_EQUAL(std::string(R"({"k":"v"})"), echo.body);
		CPPUNIT_ASSERT_EQUAL(std::string("application/json"), echo.contentType);
		CPPUNIT_ASSERT_EQUAL(404, client.send(_url, "GET", "/nowhere").status); // an answer, not an exception
	}

	void testConnectionsArePooled()
	{
		p2p::PeerClient client;
		for (int i = 0; i < 5; ++i) CPPUNIT_ASSERT_EQUAL(200, client.send(_url, "POST", "/echo", "[1]").status);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), client.idleConnections());
		CPPUNIT_ASSERT_EQUAL(1, _loopback->server().totalConnections());
	}

	void testUnpooledClientKeepsNothing()
	{
		p2p::PeerClient::Settings settings;
		settings.maxIdlePerPeer = 0;
		p2p::PeerClient client(settings);
		for (int i = 0; i < 3; ++i) CPPUNIT_ASSERT_EQUAL(200, client.send(_url, "POST", "/echo", "[1]").status);
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), client.idleConnections());
		CPPUNIT_ASSERT_EQUAL(3, _loopback->server().totalConnections());
	}

	void testUnreachablePeerIsBadGateway()
	{
		// A port that was just free: nothing listens there.
		Poco::UInt16 port;
		{
			Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
			port = probe.address().port();
		}
		p2p::PeerClient client;
		CPPUNIT_ASSERT_THROW(client.send("http://127.0.0.1:" + std::to_string(port), "GET", "/health"), p2p::BadGatewayException);
	}

	void testSlowPeerIsGatewayTimeout()
	{
		p2p::PeerClient::Settings settings;
		settings.requestTimeout = Poco::Timespan(0, 200 * 1000);
		p2p::PeerClient client(settings);
		CPPUNIT_ASSERT_THROW(client.send(_url, "GET", "/slow"), p2p::GatewayTimeoutException);
	}

	void testMalformedUrlIsBadGateway()
	{
		p2p::PeerClient client;
		CPPUNIT_ASSERT_THROW(client.send("ftp://127.0.0.1:1", "GET", "/"), p2p::BadGatewayException);
		CPPUNIT_ASSERT_THROW(client.send("http://", "GET", "/"), p2p::BadGatewayException);
	}

	void testOversizeAnswerIsBadGateway()
	{
		p2p::PeerClient::Settings settings;
		settings.maxResponseBytes = 10;
		p2p::PeerClient client(settings);
		CPPUNIT_ASSERT_THROW(client.send(_url, "POST", "/echo", "[\"more than ten bytes\"]"), p2p::BadGatewayException);
		CPPUNIT_ASSERT_EQUAL(200, client.send(_url, "POST", "/echo", "[1]").status);
	}

	void testAnAnswerCutOffIsNoAnswer()
	{
		p2p::PeerClient::Settings settings;
		settings.requestTimeout = Poco::Timespan(0, 300 * 1000);
		settings.maxIdlePerPeer = 0;
		p2p::PeerClient client(settings);
		// 10 of the 100 bytes it promised, then nothing: the receive timeout ends it.
		CPPUNIT_ASSERT_THROW(sendToPeerThatStopsShort(client, false), p2p::GatewayTimeoutException);
		// 10 of 100, then it closes.
		CPPUNIT_ASSERT_THROW(sendToPeerThatStopsShort(client, true), p2p::BadGatewayException);
	}

private:
	/// A GET to a peer that promises 100 bytes, sends 10 and then waits for
	/// the client to go (or closes at once).
	static void sendToPeerThatStopsShort(p2p::PeerClient& client, bool close)
	{
		Poco::Net::ServerSocket listening(Poco::Net::SocketAddress("127.0.0.1", 0));
		std::thread peer([&] {
			Poco::Net::StreamSocket connection = listening.acceptConnection();
			char request[4096];
			connection.receiveBytes(request, sizeof(request));
			const std::string answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[\"0123456\"";
			connection.sendBytes(answer.data(), static_cast<int>(answer.size()));
			if (close) return;
			connection.setReceiveTimeout(Poco::Timespan(5, 0));
			try
			{
				connection.receiveBytes(request, sizeof(request)); // until the client hangs up
			}
			catch (const Poco::Exception&)
			{
			}
		});
		try
		{
			client.send("http://127.0.0.1:" + std::to_string(listening.address().port()), "GET", "/cut");
		}
		catch (...)
		{
			peer.join();
			throw;
		}
		peer.join();
	}

	std::unique_ptr<p2p::test::LoopbackServer> _loopback;
	std::string _url;
};

CPPUNIT_TEST_SUITE_REGISTRATION(PeerClientTest);
