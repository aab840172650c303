#include "NodeProcess.h"
#include "RawHttp.h"
#include "TestCertificates.h"
#include <Poco/Net/Context.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Stopwatch.h>
#include <cppunit/extensions/HelperMacros.h>
#include <algorithm>
#include <array>
#include <atomic>
#include <thread>

using p2p::test::healthRequest;
using p2p::test::NodeProcess;
using p2p::test::readAnswer;
using p2p::test::secondsUntilCutOff;

/// How a node serves connections, on real nodes: clients that trickle their
/// head or body are cut off, idle keep-alive connections hold no thread
/// (on the loops; TLS ones, served by the threads engine, are parked) and
/// come back with their session, and busy clients share the threads.
class ConnectionTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(ConnectionTest);
	CPPUNIT_TEST(testOneBytePerSecondClientIsCutOff);
	CPPUNIT_TEST(testIdleConnectionsHoldNoThread);
	CPPUNIT_TEST(testIdleTlsConnectionsComeBack);
	CPPUNIT_TEST(testConnectionsBeyondTheIdleLimitKeepTheirThread);
	CPPUNIT_TEST(testBusyConnectionsShareTheThreads);
	CPPUNIT_TEST_SUITE_END();

public:
	void testOneBytePerSecondClientIsCutOff()
	{
		NodeProcess& node = start({"-Dplugins.load=messaging", "-Dhttp.header_timeout_ms=1500", "-Dhttp.keep_alive_timeout_ms=500"});
		// A head trickled in...
		const double headSeconds = secondsUntilCutOff(
			node.port(), "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n", 0);
		CPPUNIT_ASSERT_MESSAGE(std::to_string(headSeconds) + " s", headSeconds >= 1.0 && headSeconds < 5.0);
		// ...and a body trickled in after a head sent at once.
		const std::string head = "POST /message HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
		                         "Content-Length: 60\r\n\r\n";
		const double bodySeconds = secondsUntilCutOff(node.port(), head + std::string(60, ' '), head.size());
		CPPUNIT_ASSERT_MESSAGE(std::to_string(bodySeconds) + " s", bodySeconds >= 1.0 && bodySeconds < 5.0);
		// Healthy clients are served meanwhile, and the cuts are counted.
		const std::string metrics = p2p::test::http(node.port(), "GET", "/metrics").body;
		CPPUNIT_ASSERT(metrics.find("p2p_http_slow_clients_cut_total 2") != std::string::npos);
	}

	void testIdleConnectionsHoldNoThread()
	{
		// Ten times as many kept-alive connections as threads. Before
		// idle connections were parked, each held a thread for the whole
		// keep-alive time and a new client waited that long.
		NodeProcess& node = start({"-Dplugins.load=messaging", "-Dhttp.min_threads=2", "-Dhttp.max_threads=4",
		                           "-Dhttp.keep_alive_timeout_ms=8000"});
		std::vector<Poco::Net::StreamSocket> idle;
		for (int i = 0; i < 40; ++i)
		{
			idle.emplace_back(Poco::Net::SocketAddress("127.0.0.1", node.port()));
			idle.back().setReceiveTimeout(Poco::Timespan(10, 0));
			CPPUNIT_ASSERT_EQUAL(200, p2p::test::exchange(idle.back(), healthRequest()));
		}
		Poco::Stopwatch watch;
		watch.start();
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(node.port(), "GET", "/health").status);
		CPPUNIT_ASSERT_MESSAGE(std::to_string(watch.elapsed() / 1e6) + " s", watch.elapsed() < 4000000);
		CPPUNIT_ASSERT(p2p::test::eventually([&] { return p2p::test::metricValue(node.port(), "p2p_http_idle_connections") >= 36; }));

		// Each comes back with its session: a second request, and two
		// pipelined in one write, are answered on the same connection.
		for (auto& socket : idle) CPPUNIT_ASSERT_EQUAL(200, p2p::test::exchange(socket, healthRequest()));
		const std::string two = healthRequest() + healthRequest();
		idle.front().sendBytes(two.data(), static_cast<int>(two.size()));
		CPPUNIT_ASSERT_EQUAL(200, readAnswer(idle.front()));
		CPPUNIT_ASSERT_EQUAL(200, readAnswer(idle.front()));

		// Quiet past the keep-alive time, they are closed: the client reads the end.
		idle.front().setReceiveTimeout(Poco::Timespan(20, 0));
		char byte = 0;
		CPPUNIT_ASSERT_EQUAL(0, idle.front().receiveBytes(&byte, 1));
		CPPUNIT_ASSERT(p2p::test::eventually([&] { return p2p::test::metricValue(node.port(), "p2p_http_idle_connections_closed_total") >= 40; }));
	}

	void testIdleTlsConnectionsComeBack()
	{
		// A parked TLS connection keeps its TLS state: the next request on
		// it, after the node has parked it, is answered.
		NodeProcess& node = start({"-Dplugins.load=messaging", "-Dhttps.port=0", "-Dhttps.certificate=" + _certs.file("node.pem"),
		                           "-Dhttps.private_key=" + _certs.file("node.key")});
		Poco::Net::Context::Ptr trust =
			new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", _certs.file("ca.pem"), Poco::Net::Context::VERIFY_RELAXED);
		Poco::Net::SecureStreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", node.httpsPort()), trust);
		socket.setReceiveTimeout(Poco::Timespan(10, 0));
		for (int round = 0; round < 3; ++round)
		{
			CPPUNIT_ASSERT_EQUAL(200, p2p::test::exchange(socket, healthRequest()));
			CPPUNIT_ASSERT(p2p::test::eventually([&] { return p2p::test::metricValue(node.port(), "p2p_http_idle_connections") >= 1; }));
		}
		const std::string two = healthRequest() + healthRequest();
		socket.sendBytes(two.data(), static_cast<int>(two.size()));
		CPPUNIT_ASSERT_EQUAL(200, readAnswer(socket));
		CPPUNIT_ASSERT_EQUAL(200, readAnswer(socket));
	}

	void testConnectionsBeyondTheIdleLimitKeepTheirThread()
	{
		// No room to park: a quiet connection waits on its thread, as
		// before parking existed, and stays open for its next requests.
		// Threads are what the threads engine parks; the loops hold none.
		NodeProcess& node = start({"-Dplugins.load=messaging", "-Dhttp.engine=threads", "-Dhttp.max_idle_connections=0"});
		Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", node.port()));
		socket.setReceiveTimeout(Poco::Timespan(10, 0));
		for (int round = 1; round <= 3; ++round)
		{
			CPPUNIT_ASSERT_EQUAL(200, p2p::test::exchange(socket, healthRequest()));
			CPPUNIT_ASSERT(p2p::test::eventually([&] { return p2p::test::metricValue(node.port(), "p2p_http_idle_connections_unparked_total") >= round; }));
		}
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::exchange(socket, healthRequest()));
	}

	void testBusyConnectionsShareTheThreads()
	{
		// Eight clients that never pause, on four threads: a ninth still
		// gets its answers, because a thread whose client has no request
		// ready parks it when others wait, instead of waiting for it.
		NodeProcess& node = start({"-Dplugins.load=messaging", "-Dhttp.min_threads=4", "-Dhttp.max_threads=4"});
		constexpr int kClients = 8;
		std::atomic<bool> done{false};
		std::array<std::atomic<int>, kClients> answers{};
		std::array<std::atomic<bool>, kClients> quit{};
		std::vector<std::thread> busy;
		for (int i = 0; i < kClients; ++i)
		{
			busy.emplace_back([&, i, port = node.port()] {
				try
				{
					Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port));
					socket.setReceiveTimeout(Poco::Timespan(10, 0));
					// Bounded, but far beyond the test: a client that stopped
					// early would free its thread and prove nothing.
					Poco::Stopwatch running;
					running.start();
					while (!done && running.elapsed() < 60000000)
					{
						if (p2p::test::exchange(socket, healthRequest()) != 200) break;
						++answers[static_cast<std::size_t>(i)];
					}
				}
				catch (const Poco::Exception&)
				{
				}
				if (!done) quit[static_cast<std::size_t>(i)] = true;
			});
		}
		struct Join
		{
			std::atomic<bool>& done;
			std::vector<std::thread>& threads;
			~Join()
			{
				done = true;
				for (auto& thread : threads) thread.join();
			}
		} join{done, busy};
		CPPUNIT_ASSERT(p2p::test::eventually(
			[&] { return std::all_of(answers.begin(), answers.end(), [](const std::atomic<int>& n) { return n > 20; }); },
			Poco::Timespan(60, 0)));
		std::array<int, kClients> before{};
		for (int i = 0; i < kClients; ++i) before[static_cast<std::size_t>(i)] = answers[static_cast<std::size_t>(i)];
		double slowest = 0;
		for (int i = 0; i < 5; ++i)
		{
			Poco::Stopwatch watch;
			watch.start();
			CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(node.port(), "GET", "/health").status);
			slowest = std::max(slowest, watch.elapsed() / 1e6);
		}
		CPPUNIT_ASSERT_MESSAGE(std::to_string(slowest) + " s", slowest < 5.0);
		// All eight kept going meanwhile: none gave up its thread by leaving.
		for (int i = 0; i < kClients; ++i)
		{
			const auto at = static_cast<std::size_t>(i);
			CPPUNIT_ASSERT_MESSAGE("client " + std::to_string(i) + " stopped", !quit[at]);
			CPPUNIT_ASSERT(p2p::test::eventually([&] { return answers[at] > before[at]; }, Poco::Timespan(30, 0)));
		}
	}

private:
	NodeProcess& start(std::vector<std::string> args)
	{
		args.push_back("-Dhttp.access_log=false");
		_nodes.push_back(std::make_unique<NodeProcess>(args));
		_nodes.back()->waitUntilListening();
		return *_nodes.back();
	}

	p2p::test::TestCertificates _certs;
	std::vector<std::unique_ptr<NodeProcess>> _nodes;
};

CPPUNIT_TEST_SUITE_REGISTRATION(ConnectionTest);
