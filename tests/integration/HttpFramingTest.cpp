#include "NodeProcess.h"
#include "RawHttp.h"
#include "TestSupport.h"
#include <Poco/Net/StreamSocket.h>
#include <Poco/Stopwatch.h>
#include <cppunit/extensions/HelperMacros.h>
#include <fstream>
#include <sys/resource.h>
#include <thread>

using p2p::test::NodeProcess;
using namespace std::string_literals;

namespace {

/// Sends bytes on a new connection and reads until the node closes it (or
/// 5 s pass): everything it answered.
std::string answerTo(Poco::UInt16 port, const std::string& bytes)
{
	Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port));
	socket.setReceiveTimeout(Poco::Timespan(5, 0));
	socket.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
	std::string answer;
	char buffer[4096];
	try
	{
		for (int n; (n = socket.receiveBytes(buffer, sizeof(buffer))) > 0;) answer.append(buffer, static_cast<std::size_t>(n));
	}
	catch (const Poco::Exception&)
	{
		// A reset or the timeout: what came is the answer.
	}
	return answer;
}

int statusOf(const std::string& answer)
{
	return answer.size() >= 12 && answer.compare(0, 5, "HTTP/") == 0 ? std::stoi(answer.substr(9, 3)) : -1;
}

std::size_t countOf(const std::string& text, const std::string& what)
{
	std::size_t count = 0;
	for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
	return count;
}

int threadsOf(int pid)
{
	std::ifstream status("/proc/" + std::to_string(pid) + "/status");
	for (std::string line; std::getline(status, line);)
		if (line.compare(0, 8, "Threads:") == 0) return std::stoi(line.substr(8));
	return -1;
}

} // namespace

/// The event-loop server (http.engine = loop, the default) on a real node:
/// request heads read strictly (nothing smuggled past an ambiguous length,
/// each kind of bad head its status), oversized bodies refused before a
/// byte of them is read, chunked bodies and pipelining, and idle
/// connections that cost no thread.
class HttpFramingTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(HttpFramingTest);
	CPPUNIT_TEST(testAnAmbiguousLengthIsRefusedAndNothingIsSmuggled);
	CPPUNIT_TEST(testEachBadHeadGetsItsStatus);
	CPPUNIT_TEST(testAnOversizedBodyIsRefusedBeforeContinue);
	CPPUNIT_TEST(testChunkedBodiesAndPipelinedRequests);
	CPPUNIT_TEST(testThousandsOfPipelinedRequestsAreAnsweredInOrder);
	CPPUNIT_TEST(testIdleConnectionsCostNoThread);
	CPPUNIT_TEST(testOneAddressCannotTakeEveryConnection);
	CPPUNIT_TEST(testAFullNodeShedsTheLongestWaitingForTheNewcomer);
	CPPUNIT_TEST(testAnAddressOverItsRequestRateGets429);
	CPPUNIT_TEST(testAnAddressMayHaveOnlySoManyUnfinishedHeads);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_node = std::make_unique<NodeProcess>(std::vector<std::string>{"-Dplugins.load=messaging, dht-router, kvstore",
		                                                                "-Dhttp.access_log=false", "-Dhttp.max_body_bytes=1024"});
		_node->waitUntilListening();
	}

	void tearDown() override { _node.reset(); }

	void testAnAmbiguousLengthIsRefusedAndNothingIsSmuggled()
	{
		// Two lengths: a front end taking the last would forward the GET as
		// part of the body; taking the first, it would run as a request of
		// its own. Neither happens: 400, and the connection ends.
		const std::string answer = answerTo(port(),
		                                    "POST /message HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 35\r\n\r\n"
		                                    "GET /health HTTP/1.1\r\nHost: a\r\n\r\n");
		CPPUNIT_ASSERT_EQUAL_MESSAGE(answer, 400, statusOf(answer));
		CPPUNIT_ASSERT_EQUAL_MESSAGE(answer, std::size_t(1), countOf(answer, "HTTP/1.1 "));
		CPPUNIT_ASSERT(answer.find("Content-Length is given twice") != std::string::npos);
		const std::string both = answerTo(
			port(), "POST /message HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
		CPPUNIT_ASSERT_EQUAL_MESSAGE(both, 400, statusOf(both));
	}

	void testEachBadHeadGetsItsStatus()
	{
		CPPUNIT_ASSERT_EQUAL(400, statusOf(answerTo(port(), "GET /health HTTP/1.1\nHost: a\n\n")));
		CPPUNIT_ASSERT_EQUAL(400, statusOf(answerTo(port(), "GET /health HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n")));
		CPPUNIT_ASSERT_EQUAL(400, statusOf(answerTo(port(), "GET /health HTTP/1.1\r\nHost: a\r\nX: \0\r\n\r\n"s)));
		CPPUNIT_ASSERT_EQUAL(400, statusOf(answerTo(port(), "GET /health HTTP/1.1\r\n\r\n"))); // no Host
		CPPUNIT_ASSERT_EQUAL(505, statusOf(answerTo(port(), "GET /health HTTP/9.9\r\nHost: a\r\n\r\n")));
		CPPUNIT_ASSERT_EQUAL(501, statusOf(answerTo(port(), "POST /message HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n")));
		CPPUNIT_ASSERT_EQUAL(414, statusOf(answerTo(port(), "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n")));
		CPPUNIT_ASSERT_EQUAL(431, statusOf(answerTo(port(), "GET /health HTTP/1.1\r\nHost: a\r\nX: " + std::string(17000, 'b') + "\r\n\r\n")));
		// An escape sequence is never a target: nothing of it reaches a log.
		CPPUNIT_ASSERT_EQUAL(400, statusOf(answerTo(port(), "GET /\x1b]0;owned\x07 HTTP/1.1\r\nHost: a\r\n\r\n")));
		CPPUNIT_ASSERT(p2p::test::metricValue(port(), "p2p_http_malformed_requests_total") >= 9);
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(port(), "GET", "/health").status); // and the node serves on
	}

	void testAnOversizedBodyIsRefusedBeforeContinue()
	{
		// 2 GB declared for a 1 KiB route: 413 at once, no 100 Continue, and
		// not a byte of the body read.
		Poco::Stopwatch watch;
		watch.start();
		const std::string answer = answerTo(port(), "PUT /kv/big HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
		                                            "Content-Length: 2000000000\r\nExpect: 100-continue\r\n\r\n");
		CPPUNIT_ASSERT_EQUAL_MESSAGE(answer, 413, statusOf(answer));
		CPPUNIT_ASSERT(answer.find("100 Continue") == std::string::npos);
		CPPUNIT_ASSERT_MESSAGE(std::to_string(watch.elapsed()) + " us", watch.elapsed() < 3000000);
		// Within the limit, the client is told to go on.
		Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port()));
		socket.setReceiveTimeout(Poco::Timespan(5, 0));
		const std::string head = "PUT /kv/small HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 7\r\n"
		                         "Expect: 100-continue\r\n\r\n";
		socket.sendBytes(head.data(), static_cast<int>(head.size()));
		CPPUNIT_ASSERT_EQUAL(100, p2p::test::readAnswer(socket));
		socket.sendBytes("{\"v\":1}", 7);
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::readAnswer(socket));
	}

	void testChunkedBodiesAndPipelinedRequests()
	{
		Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port()));
		socket.setReceiveTimeout(Poco::Timespan(5, 0));
		// A chunked JSON body, then two requests in one write behind it.
		const std::string wire = "PUT /kv/chunked HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
		                         "Transfer-Encoding: chunked\r\n\r\n3\r\n{\"v\r\n5;ext=1\r\n\":42}\r\n0\r\n\r\n" +
		                         p2p::test::healthRequest() + "GET /kv/chunked HTTP/1.1\r\nHost: a\r\n\r\n";
		socket.sendBytes(wire.data(), static_cast<int>(wire.size()));
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::readAnswer(socket));
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::readAnswer(socket));
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::readAnswer(socket));
		CPPUNIT_ASSERT_EQUAL(std::string("{\"key\":\"chunked\",\"value\":{\"v\":42}}"), p2p::test::http(port(), "GET", "/kv/chunked").body);
		// A chunked body past the route's limit: 413, however it is framed.
		std::string large = "PUT /kv/large HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
		for (int i = 0; i < 4; ++i) large += "200\r\n" + std::string(512, ' ') + "\r\n";
		CPPUNIT_ASSERT_EQUAL(413, statusOf(answerTo(port(), large + "0\r\n\r\n")));
	}

	void testThousandsOfPipelinedRequestsAreAnsweredInOrder()
	{
		// In one write, as a relaying node's pipeline or a hostile client
		// sends them; the answers come back together, each its own.
		const int count = 3000;
		std::string wire;
		for (int i = 0; i < count; ++i) wire += "GET /health HTTP/1.1\r\nHost: a\r\nX-Request-Id: pipe-" + std::to_string(i) + "\r\n\r\n";
		Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port()));
		socket.setReceiveTimeout(Poco::Timespan(10, 0));
		// Sent beside the reading: the answers may fill the socket before
		// the last request is written.
		std::thread sender([&] { socket.sendBytes(wire.data(), static_cast<int>(wire.size())); });
		std::string answers;
		char buffer[65536];
		try
		{
			const std::string body = "{\"status\":\"ok\"}";
			while (countOf(answers, body) < static_cast<std::size_t>(count))
			{
				const int n = socket.receiveBytes(buffer, sizeof(buffer));
				if (n <= 0) break;
				answers.append(buffer, static_cast<std::size_t>(n));
			}
		}
		catch (const Poco::TimeoutException&)
		{
			// What came is checked below.
		}
		sender.join();
		CPPUNIT_ASSERT_EQUAL(static_cast<std::size_t>(count), countOf(answers, "HTTP/1.1 200 OK\r\n"));
		std::size_t at = 0;
		for (int i = 0; i < count; ++i)
		{
			at = answers.find("X-Request-Id: ", at);
			CPPUNIT_ASSERT(at != std::string::npos);
			at += 14;
			CPPUNIT_ASSERT_EQUAL("pipe-" + std::to_string(i), answers.substr(at, answers.find("\r\n", at) - at));
		}
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::exchange(socket, p2p::test::healthRequest())); // and it serves on
	}

	void testIdleConnectionsCostNoThread()
	{
		// As many idle connections as this process may open, up to 2,000.
		rlimit files{};
		::getrlimit(RLIMIT_NOFILE, &files);
		const std::size_t count = std::min<std::size_t>(2000, files.rlim_cur > 100 ? files.rlim_cur - 100 : 0);
		const int threadsBefore = threadsOf(_node->pid());
		std::vector<Poco::Net::StreamSocket> idle;
		for (std::size_t i = 0; i < count; ++i) idle.emplace_back(Poco::Net::SocketAddress("127.0.0.1", port()));
		CPPUNIT_ASSERT(p2p::test::eventually([&] { return p2p::test::metricValue(port(), "p2p_http_open_connections") >= static_cast<double>(count); }));
		Poco::Stopwatch watch;
		watch.start();
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(port(), "GET", "/health").status);
		CPPUNIT_ASSERT_MESSAGE(std::to_string(watch.elapsed()) + " us", watch.elapsed() < 1000000);
		CPPUNIT_ASSERT_MESSAGE(std::to_string(threadsOf(_node->pid())) + " threads, " + std::to_string(threadsBefore) + " before",
		                       threadsOf(_node->pid()) <= threadsBefore + 2);
		// Each is still served when it asks.
		for (std::size_t i = 0; i < idle.size(); i += idle.size() / 10 + 1)
			CPPUNIT_ASSERT_EQUAL(200, p2p::test::exchange(idle[i], p2p::test::healthRequest()));
	}

	void testOneAddressCannotTakeEveryConnection()
	{
		nodeWith({"-Dhttp.max_connections_per_address=20"});
		// 127.0.0.2 takes all it may: each is served.
		std::vector<Poco::Net::StreamSocket> flood;
		for (int i = 0; i < 20; ++i)
		{
			flood.push_back(from("127.0.0.2"));
			CPPUNIT_ASSERT_EQUAL(200, p2p::test::exchange(flood.back(), p2p::test::healthRequest()));
		}
		// One more from it is closed unanswered; 127.0.0.1 is served at once.
		CPPUNIT_ASSERT(!answered(from("127.0.0.2")));
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(port(), "GET", "/health").status);
		CPPUNIT_ASSERT(p2p::test::metricValue(port(), "p2p_http_refused_connections_total") >= 1);
		// A connection it closes is one it may open again.
		flood.front().close();
		CPPUNIT_ASSERT(p2p::test::eventually([&] { return answered(from("127.0.0.2")); }));
	}

	void testAFullNodeShedsTheLongestWaitingForTheNewcomer()
	{
		// One loop, so that every connection is one it may shed.
		nodeWith({"-Dhttp.max_connections=8", "-Dhttp.io_threads=1", "-Dhttp.max_connections_per_address=0"});
		// The oldest sends half a head and nothing more; the others were served and wait.
		Poco::Net::StreamSocket slow = from("127.0.0.2");
		slow.sendBytes("GET /health HTTP/1.1\r\n", 22);
		std::vector<Poco::Net::StreamSocket> idle;
		for (int i = 0; i < 7; ++i)
		{
			idle.push_back(from("127.0.0.3"));
			CPPUNIT_ASSERT_EQUAL(200, p2p::test::exchange(idle.back(), p2p::test::healthRequest()));
		}
		// A ninth is served, and the slow one is what made room.
		Poco::Net::StreamSocket newcomer = from("127.0.0.4");
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::exchange(newcomer, p2p::test::healthRequest()));
		slow.setReceiveTimeout(Poco::Timespan(5, 0));
		char byte = 0;
		CPPUNIT_ASSERT_EQUAL(0, slow.receiveBytes(&byte, 1)); // closed, unanswered
		// A tenth (the metrics request) makes room by closing the one idle longest.
		CPPUNIT_ASSERT(p2p::test::metricValue(port(), "p2p_http_shed_connections_total") >= 2);
		CPPUNIT_ASSERT(!answered(idle.front()));
		CPPUNIT_ASSERT(answered(idle.back()));
	}

	void testAnAddressOverItsRequestRateGets429()
	{
		nodeWith({"-Dhttp.max_requests_per_s_per_address=1", "-Dhttp.request_burst_per_address=5"});
		const std::string status = "GET /status HTTP/1.1\r\nHost: x\r\n\r\n";
		Poco::Net::StreamSocket greedy = from("127.0.0.2");
		for (int i = 0; i < 5; ++i) CPPUNIT_ASSERT_EQUAL(200, p2p::test::exchange(greedy, status));
		// The sixth is refused, said why, and the connection closed.
		greedy.sendBytes(status.data(), static_cast<int>(status.size()));
		greedy.setReceiveTimeout(Poco::Timespan(5, 0));
		std::string answer;
		char buffer[4096];
		for (int n; (n = greedy.receiveBytes(buffer, sizeof(buffer))) > 0;) answer.append(buffer, static_cast<std::size_t>(n));
		CPPUNIT_ASSERT_MESSAGE(answer, answer.rfind("HTTP/1.1 429 ", 0) == 0);
		CPPUNIT_ASSERT(answer.find("Retry-After: 1") != std::string::npos);
		CPPUNIT_ASSERT(answer.find("http.max_requests_per_s_per_address") != std::string::npos);
		// Health checks are not counted, and other addresses have rates of their own.
		CPPUNIT_ASSERT(answered(from("127.0.0.2")));
		Poco::Net::StreamSocket other = from("127.0.0.3");
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::exchange(other, status));
		CPPUNIT_ASSERT(p2p::test::metricValue(port(), "p2p_http_rate_limited_requests_total") >= 1);
		// The rate refills it.
		CPPUNIT_ASSERT(p2p::test::eventually([&] {
			Poco::Net::StreamSocket again = from("127.0.0.2");
			return p2p::test::exchange(again, status) == 200;
		}));
	}

	void testAnAddressMayHaveOnlySoManyUnfinishedHeads()
	{
		nodeWith({"-Dhttp.max_heads_per_address=3"});
		std::vector<Poco::Net::StreamSocket> slow;
		for (int i = 0; i < 4; ++i)
		{
			slow.push_back(from("127.0.0.2"));
			slow.back().sendBytes("GET /health HTTP/1.1\r\nHost: x\r\n", 31);
		}
		// Whichever of the four the node read last is refused; the three wait for the rest.
		std::size_t refused = 0;
		CPPUNIT_ASSERT(p2p::test::eventually([&] {
			for (std::size_t i = 0; i < slow.size(); ++i)
				if (slow[i].poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ)) refused = i + 1;
			return refused != 0;
		}));
		char answer[1024] = {};
		slow[refused - 1].receiveBytes(answer, sizeof(answer) - 1);
		CPPUNIT_ASSERT_MESSAGE(answer, std::string(answer).rfind("HTTP/1.1 429 ", 0) == 0);
		CPPUNIT_ASSERT(std::string(answer).find("http.max_heads_per_address") != std::string::npos);
		for (std::size_t i = 0; i < slow.size(); ++i)
			if (i + 1 != refused) CPPUNIT_ASSERT(!slow[i].poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ));
		// A whole head is never unfinished; another address has heads of its own.
		CPPUNIT_ASSERT(answered(from("127.0.0.2")));
		Poco::Net::StreamSocket other = from("127.0.0.3");
		other.sendBytes("GET /health HTTP/1.1\r\n", 22);
		other.sendBytes("Host: x\r\n\r\n", 11);
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::readAnswer(other));
		// A head finished frees its place.
		Poco::Net::StreamSocket& waiting = slow[refused == 1 ? 1 : 0];
		waiting.sendBytes("\r\n", 2);
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::readAnswer(waiting));
		Poco::Net::StreamSocket next = from("127.0.0.2");
		next.sendBytes("GET /health HTTP/1.1\r\n", 22);
		next.sendBytes("Host: x\r\n\r\n", 11);
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::readAnswer(next));
	}

private:
	/// In place of setUp()'s node: a messaging node with these settings.
	void nodeWith(std::vector<std::string> settings)
	{
		settings.insert(settings.begin(), {"-Dplugins.load=messaging", "-Dhttp.access_log=false"});
		_node = std::make_unique<NodeProcess>(settings);
		_node->waitUntilListening();
	}

	/// A connection to the node from the given loopback address.
	Poco::Net::StreamSocket from(const std::string& address) const
	{
		Poco::Net::StreamSocket socket;
		socket.impl()->bind(Poco::Net::SocketAddress(address, 0));
		socket.connect(Poco::Net::SocketAddress("127.0.0.1", port()));
		return socket;
	}

	/// Whether a /health sent on it gets an answer (rather than a closed connection).
	static bool answered(Poco::Net::StreamSocket socket)
	{
		try
		{
			socket.setReceiveTimeout(Poco::Timespan(5, 0));
			return p2p::test::exchange(socket, p2p::test::healthRequest()) == 200;
		}
		catch (const Poco::Exception&)
		{
			return false; // reset, or closed while we sent
		}
	}

	Poco::UInt16 port() const { return _node->port(); }

	std::unique_ptr<NodeProcess> _node;
};

CPPUNIT_TEST_SUITE_REGISTRATION(HttpFramingTest);
