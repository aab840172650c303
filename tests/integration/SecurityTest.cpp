#include "NodeProcess.h"
#include "security/RequestSigner.h"
#include <Poco/FileStream.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/RegularExpression.h>
#include <Poco/Stopwatch.h>
#include <Poco/Thread.h>
#include <cppunit/extensions/HelperMacros.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <algorithm>
#include <array>
#include <atomic>
#include <sys/stat.h>
#include <thread>

using p2p::RequestSigner;
using p2p::test::HttpResult;
using p2p::test::NodeProcess;
using p2p::test::TempDir;

/// Issue 8 on real nodes: cluster.secret keeps strangers out, TLS works
/// with the right CA only, slow clients are cut off.
class SecurityTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(SecurityTest);
	CPPUNIT_TEST(testUnsignedGossipIsRefusedAndItsUrlNeverContacted);
	CPPUNIT_TEST(testReplayOutsideTheSkewWindowIsRefused);
	CPPUNIT_TEST(testNodeWithTheWrongSecretCannotJoin);
	CPPUNIT_TEST(testClientTokenGuardsClientEndpoints);
	CPPUNIT_TEST(testFileCopiesMustMatchTheirSignedHash);
	CPPUNIT_TEST(testFilesTravelBetweenNodesUnderTheSecret);
	CPPUNIT_TEST(testTlsWithTheTestCaOnly);
	CPPUNIT_TEST(testKvOverHttpsBetweenNodes);
	CPPUNIT_TEST(testOneBytePerSecondClientIsCutOff);
	CPPUNIT_TEST(testIdleConnectionsHoldNoThread);
	CPPUNIT_TEST(testIdleTlsConnectionsComeBack);
	CPPUNIT_TEST(testConnectionsBeyondTheIdleLimitKeepTheirThread);
	CPPUNIT_TEST(testBusyConnectionsShareTheThreads);
	CPPUNIT_TEST_SUITE_END();

public:
	void tearDown() override { _nodes.clear(); }

	void testUnsignedGossipIsRefusedAndItsUrlNeverContacted()
	{
		NodeProcess& node = start({"-Dplugins.load=gossip", "-Dnode.id=node1", "-Dgossip.interval_ms=100"}, kSecret);
		Poco::Net::ServerSocket trap(Poco::Net::SocketAddress("127.0.0.1", 0));
		const std::string trapUrl = "http://127.0.0.1:" + std::to_string(trap.address().port());

		const std::string rumour = R"({"peers": [")" + trapUrl + R"("], "ttl": 2})";
		HttpResult refused = p2p::test::http(node.port(), "POST", "/gossip", rumour);
		CPPUNIT_ASSERT_EQUAL(401, refused.status);
		CPPUNIT_ASSERT(p2p::test::jsonObject(refused.body)->getValue<std::string>("error").find("signed") != std::string::npos);
		const std::string exchange = R"({"id": "x1", "ttl": 0, "members": [{"id": "evil", "url": ")" + trapUrl +
		                             R"(", "state": "alive", "incarnation": 1}]})";
		CPPUNIT_ASSERT_EQUAL(401, p2p::test::http(node.port(), "POST", "/gossip/exchange", exchange).status);
		// Signed with another secret, or with the right one on another body.
		CPPUNIT_ASSERT_EQUAL(401, signedPost(node.port(), "/gossip", rumour, "not-the-cluster-secret-at-all!!").status);
		auto headers = signatureOf("POST", "/gossip", "{}", kSecret);
		CPPUNIT_ASSERT_EQUAL(401, p2p::test::http(node.port(), "POST", "/gossip", rumour, "application/json", headers).status);

		// Thirty gossip periods: nobody knocks on the trap.
		CPPUNIT_ASSERT_MESSAGE("the node contacted a URL from an unsigned request", !contacted(trap, Poco::Timespan(3, 0)));
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), p2p::test::jsonObject(p2p::test::http(node.port(), "GET", "/members").body)
		                             ->getArray("members")->size());

		// The control: the same rumour, signed, does bring the node to the
		// trap, so the silence above meant something.
		CPPUNIT_ASSERT_EQUAL(200, signedPost(node.port(), "/gossip", rumour, kSecret).status);
		CPPUNIT_ASSERT(contacted(trap, Poco::Timespan(10, 0)));
	}

	void testReplayOutsideTheSkewWindowIsRefused()
	{
		NodeProcess& bootstrap = start({"-Dplugins.load=bootstrap", "-Dcluster.max_clock_skew_s=2"}, kSecret);
		const std::string body = R"({"id": "replayed", "address": "http://127.0.0.1:9"})";
		const auto headers = signatureOf("POST", "/register", body, kSecret);
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(bootstrap.port(), "POST", "/register", body, "application/json", headers).status);
		// The very same bytes again, once the window has passed.
		Poco::Stopwatch clock;
		clock.start();
		int status = 0;
		CPPUNIT_ASSERT(p2p::test::eventually([&] {
			status = p2p::test::http(bootstrap.port(), "POST", "/register", body, "application/json", headers).status;
			return status != 200;
		}, Poco::Timespan(10, 0)));
		CPPUNIT_ASSERT_EQUAL(401, status);
		CPPUNIT_ASSERT(clock.elapsedSeconds() >= 1);

		// Signed long ago: refused at once.
		RequestSigner signer(kSecret, "replayer", 30);
		std::map<std::string, std::string> old;
		for (const auto& [name, value] : signer.sign("POST", "/register", RequestSigner::sha256Hex(body),
		                                             Poco::Timestamp() - 600 * Poco::Timespan::SECONDS))
			old[name] = value;
		HttpResult stale = p2p::test::http(bootstrap.port(), "POST", "/register", body, "application/json", old);
		CPPUNIT_ASSERT_EQUAL(401, stale.status);
		CPPUNIT_ASSERT(stale.body.find("cluster.max_clock_skew_s") != std::string::npos);
	}

	void testNodeWithTheWrongSecretCannotJoin()
	{
		NodeProcess& bootstrap = start({"-Dplugins.load=bootstrap", "-Dnode.id=bootstrap"}, kSecret);
		const std::string bootstrapUrl = "http://127.0.0.1:" + std::to_string(bootstrap.port());
		const std::vector<std::string> member{"-Dplugins.load=gossip", "-Dcluster.bootstrap=" + bootstrapUrl,
		                                      "-Dcluster.retry_max_ms=300", "-Dgossip.interval_ms=100"};
		NodeProcess& friendly = start(with(member, "-Dnode.id=friend"), kSecret);
		NodeProcess& stranger = start(with(member, "-Dnode.id=stranger"), "a-secret-that-is-not-the-clusters");
		CPPUNIT_ASSERT(p2p::test::eventually([&] { return peersOf(bootstrap).find(urlOf(friendly)) != std::string::npos; }));
		CPPUNIT_ASSERT(stranger.waitForOutput("401"));
		// It kept trying for a while, and got nowhere: not registered, not
		// a member anywhere, and it learned no one either.
		CPPUNIT_ASSERT(!p2p::test::eventually([&] { return peersOf(bootstrap).find(urlOf(stranger)) != std::string::npos; },
		                                      Poco::Timespan(2, 0)));
		CPPUNIT_ASSERT(p2p::test::http(friendly.port(), "GET", "/members").body.find("stranger") == std::string::npos);
		CPPUNIT_ASSERT(p2p::test::http(stranger.port(), "GET", "/members").body.find("friend") == std::string::npos);
		CPPUNIT_ASSERT(!p2p::test::jsonObject(p2p::test::http(stranger.port(), "GET", "/status").body)->getValue<bool>("registered"));
	}

	void testClientTokenGuardsClientEndpoints()
	{
		NodeProcess& node = start({"-Dplugins.load=messaging", "-Dhttp.auth.token=let-me-in-0123456789"}, kSecret);
		const std::string message = R"({"sender_id": "a", "message": "hi"})";
		HttpResult bare = p2p::test::http(node.port(), "POST", "/message", message);
		CPPUNIT_ASSERT_EQUAL(401, bare.status);
		CPPUNIT_ASSERT(bare.headers.has("WWW-Authenticate"));
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(node.port(), "POST", "/message", message, "application/json",
		                                          {{"Authorization", "Bearer let-me-in-0123456789"}}).status);
		CPPUNIT_ASSERT_EQUAL(401, p2p::test::http(node.port(), "GET", "/status").status);
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(node.port(), "GET", "/health").status);

		// Without cluster.secret a token would leave /internal open: refused.
		NodeProcess lonely({"-Dplugins.load=messaging", "-Dhttp.auth.token=let-me-in-0123456789"});
		CPPUNIT_ASSERT(lonely.waitForExit() != 0);
		CPPUNIT_ASSERT(lonely.output().find("need cluster.secret") != std::string::npos);
	}

	void testFileCopiesMustMatchTheirSignedHash()
	{
		NodeProcess& node = start({"-Dplugins.load=dht-router, filestore"}, kSecret);
		auto copy = [&](const std::string& declared, const std::string& body) {
			RequestSigner signer(kSecret, "test", 30);
			std::map<std::string, std::string> headers{{RequestSigner::BodyHashHeader, declared}};
			for (const auto& [name, value] : signer.sign("PUT", "/internal/files/f.txt", declared)) headers[name] = value;
			return p2p::test::http(node.port(), "PUT", "/internal/files/f.txt", body, "application/octet-stream", headers);
		};
		HttpResult swapped = copy(RequestSigner::sha256Hex("the signed content"), "other content");
		CPPUNIT_ASSERT_EQUAL_MESSAGE(swapped.body, 400, swapped.status);
		CPPUNIT_ASSERT_EQUAL(400, copy(RequestSigner::UnsignedPayload, "the signed content").status);
		CPPUNIT_ASSERT_EQUAL(404, p2p::test::http(node.port(), "GET", "/files/f.txt").status);
		HttpResult stored = copy(RequestSigner::sha256Hex("the signed content"), "the signed content");
		CPPUNIT_ASSERT_EQUAL_MESSAGE(stored.body, 200, stored.status);
		CPPUNIT_ASSERT_EQUAL(std::string("the signed content"), p2p::test::http(node.port(), "GET", "/files/f.txt").body);
	}

	void testFilesTravelBetweenNodesUnderTheSecret()
	{
		NodeProcess& bootstrap = start({"-Dplugins.load=bootstrap"}, kSecret);
		const std::vector<std::string> member{"-Dplugins.load=dht-router, filestore", "-Dcluster.peer_refresh_max_ms=300",
		                                      "-Dcluster.bootstrap=" + urlOf(bootstrap)};
		std::vector<NodeProcess*> nodes;
		for (int k = 1; k <= 3; ++k) nodes.push_back(&start(with(member, "-Dnode.id=n" + std::to_string(k)), kSecret));
		for (NodeProcess* node : nodes)
			CPPUNIT_ASSERT(p2p::test::eventually([&] { return ringSize(*node) == 3; }, Poco::Timespan(20, 0)));
		// Multipart uploads and PUTs through every node: through owners and
		// non-owners, so uploads are relayed, re-sent from disk and copied,
		// each leg signed and each declared hash checked.
		for (int i = 0; i < 6; ++i)
		{
			const std::string name = "doc" + std::to_string(i) + ".txt";
			const std::string content(50000 + i, static_cast<char>('a' + i));
			NodeProcess& sender = *nodes[static_cast<std::size_t>(i % 3)];
			HttpResult stored = i % 2 == 0
				? p2p::test::http(sender.port(), "POST", "/upload",
				                  "--B0und\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name +
				                      "\"\r\n\r\n" + content + "\r\n--B0und--\r\n",
				                  "multipart/form-data; boundary=B0und")
				: p2p::test::http(sender.port(), "PUT", "/files/" + name, content, "text/plain");
			CPPUNIT_ASSERT_EQUAL_MESSAGE(stored.body, 200, stored.status);
			CPPUNIT_ASSERT_EQUAL(std::size_t(2), p2p::test::jsonObject(stored.body)->getArray("nodes")->size());
			const HttpResult read = p2p::test::http(nodes[static_cast<std::size_t>((i + 1) % 3)]->port(), "GET", "/files/" + name);
			CPPUNIT_ASSERT_EQUAL(200, read.status);
			CPPUNIT_ASSERT(read.body == content);
		}
	}

	void testTlsWithTheTestCaOnly()
	{
		makeCertificates();
		NodeProcess& node = start({"-Dplugins.load=messaging, filestore", "-Dhttps.port=0",
		                           "-Dhttps.certificate=" + _certs.file("node.pem"), "-Dhttps.private_key=" + _certs.file("node.key")},
		                          "");
		const std::string url = "https://127.0.0.1:" + std::to_string(httpsPort(node)) + "/health";
		p2p::test::ToolResult good = p2p::test::runCommand("curl", {"-sS", "--cacert", _certs.file("ca.pem"), url});
		CPPUNIT_ASSERT_EQUAL_MESSAGE(good.output, 0, good.status);
		CPPUNIT_ASSERT(good.output.find("\"status\":\"ok\"") != std::string::npos);
		p2p::test::ToolResult wrong = p2p::test::runCommand("curl", {"-sS", "--cacert", _certs.file("other-ca.pem"), url});
		CPPUNIT_ASSERT_EQUAL_MESSAGE(wrong.output, 60, wrong.status); // curl: peer certificate cannot be authenticated
		// A file up and down through TLS: downloads cannot take the
		// sendfile(2) shortcut there, or the client would get plaintext.
		const std::string base = "https://127.0.0.1:" + std::to_string(httpsPort(node));
		{
			Poco::FileOutputStream out(_certs.file("payload.bin"));
			for (int i = 0; i < 200000; ++i) out << static_cast<char>('a' + i % 26);
		}
		p2p::test::ToolResult up = p2p::test::runCommand(
			"curl", {"-sS", "-f", "--cacert", _certs.file("ca.pem"), "-F", "file=@" + _certs.file("payload.bin"), base + "/upload"});
		CPPUNIT_ASSERT_EQUAL_MESSAGE(up.output, 0, up.status);
		p2p::test::ToolResult down = p2p::test::runCommand(
			"curl", {"-sS", "-f", "--cacert", _certs.file("ca.pem"), "-o", _certs.file("back.bin"), base + "/download/payload.bin"});
		CPPUNIT_ASSERT_EQUAL_MESSAGE(down.output, 0, down.status);
		CPPUNIT_ASSERT_EQUAL(0, p2p::test::runCommand("cmp", {_certs.file("payload.bin"), _certs.file("back.bin")}).status);
		// The node advertises its https URL.
		CPPUNIT_ASSERT(p2p::test::jsonObject(p2p::test::http(node.port(), "GET", "/status").body)
		                   ->getValue<std::string>("url").compare(0, 8, "https://") == 0);
	}

	void testKvOverHttpsBetweenNodes()
	{
		makeCertificates();
		// https.port=0: the kernel picks, the node logs it and advertises it.
		auto tls = [&](const std::string& ca) {
			return std::vector<std::string>{"-Dhttps.port=0", "-Dhttps.certificate=" + _certs.file("node.pem"),
			                                "-Dhttps.private_key=" + _certs.file("node.key"), "-Dhttps.ca_file=" + _certs.file(ca)};
		};
		NodeProcess& bootstrap = start(with(tls("ca.pem"), "-Dplugins.load=bootstrap"), kSecret);
		const std::string bootstrapUrl = "https://127.0.0.1:" + std::to_string(httpsPort(bootstrap));
		std::vector<std::string> kv = tls("ca.pem");
		kv.insert(kv.end(), {"-Dplugins.load=dht-router, kvstore", "-Dkvstore.backend=memory", "-Dcluster.bootstrap=" + bootstrapUrl,
		                     "-Dcluster.peer_refresh_max_ms=300"});
		NodeProcess& a = start(with(kv, "-Dnode.id=a"), kSecret);
		NodeProcess& b = start(with(kv, "-Dnode.id=b"), kSecret);
		// A node that does not trust the cluster's CA cannot even register.
		std::vector<std::string> distrustful = tls("other-ca.pem");
		distrustful.insert(distrustful.end(), {"-Dplugins.load=messaging", "-Dcluster.bootstrap=" + bootstrapUrl, "-Dnode.id=c"});
		NodeProcess& c = start(distrustful, kSecret);

		CPPUNIT_ASSERT(p2p::test::eventually([&] { return ringSize(a) == 2 && ringSize(b) == 2; }, Poco::Timespan(20, 0)));
		for (int i = 0; i < 20; ++i)
		{
			const std::string key = "k" + std::to_string(i);
			CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(a.port(), "PUT", "/kv/" + key, "\"v" + std::to_string(i) + "\"").status);
			HttpResult read = p2p::test::http(b.port(), "GET", "/kv/" + key);
			CPPUNIT_ASSERT_EQUAL_MESSAGE(read.body, 200, read.status);
		}
		CPPUNIT_ASSERT(c.waitForOutput("certificate"));
		CPPUNIT_ASSERT(peersOf(bootstrap).find(std::to_string(httpsPort(c))) == std::string::npos);
	}

	void testOneBytePerSecondClientIsCutOff()
	{
		NodeProcess& node = start({"-Dplugins.load=messaging", "-Dhttp.header_timeout_ms=1500", "-Dhttp.keep_alive_timeout_ms=500"}, "");
		// A head trickled in...
		const double headSeconds = secondsUntilCutOff(
			node, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n", 0);
		CPPUNIT_ASSERT_MESSAGE(std::to_string(headSeconds) + " s", headSeconds >= 1.0 && headSeconds < 5.0);
		// ...and a body trickled in after a head sent at once.
		const std::string head = "POST /message HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
		                         "Content-Length: 60\r\n\r\n";
		const double bodySeconds = secondsUntilCutOff(node, head + std::string(60, ' '), head.size());
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
		                           "-Dhttp.keep_alive_timeout_ms=8000"},
		                          "");
		std::vector<Poco::Net::StreamSocket> idle;
		for (int i = 0; i < 40; ++i)
		{
			idle.emplace_back(Poco::Net::SocketAddress("127.0.0.1", node.port()));
			idle.back().setReceiveTimeout(Poco::Timespan(10, 0));
			CPPUNIT_ASSERT_EQUAL(200, exchange(idle.back(), healthRequest()));
		}
		Poco::Stopwatch watch;
		watch.start();
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(node.port(), "GET", "/health").status);
		CPPUNIT_ASSERT_MESSAGE(std::to_string(watch.elapsed() / 1e6) + " s", watch.elapsed() < 4000000);
		CPPUNIT_ASSERT(p2p::test::eventually([&] { return p2p::test::metricValue(node.port(), "p2p_http_idle_connections") >= 36; }));

		// Each comes back with its session: a second request, and two
		// pipelined in one write, are answered on the same connection.
		for (auto& socket : idle) CPPUNIT_ASSERT_EQUAL(200, exchange(socket, healthRequest()));
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
		makeCertificates();
		NodeProcess& node = start({"-Dplugins.load=messaging", "-Dhttps.port=0", "-Dhttps.certificate=" + _certs.file("node.pem"),
		                           "-Dhttps.private_key=" + _certs.file("node.key")},
		                          "");
		Poco::Net::Context::Ptr trust =
			new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", _certs.file("ca.pem"), Poco::Net::Context::VERIFY_RELAXED);
		Poco::Net::SecureStreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", httpsPort(node)), trust);
		socket.setReceiveTimeout(Poco::Timespan(10, 0));
		for (int round = 0; round < 3; ++round)
		{
			CPPUNIT_ASSERT_EQUAL(200, exchange(socket, healthRequest()));
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
		NodeProcess& node = start({"-Dplugins.load=messaging", "-Dhttp.max_idle_connections=0"}, "");
		Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", node.port()));
		socket.setReceiveTimeout(Poco::Timespan(10, 0));
		for (int round = 1; round <= 3; ++round)
		{
			CPPUNIT_ASSERT_EQUAL(200, exchange(socket, healthRequest()));
			CPPUNIT_ASSERT(p2p::test::eventually([&] { return p2p::test::metricValue(node.port(), "p2p_http_idle_connections_unparked_total") >= round; }));
		}
		CPPUNIT_ASSERT_EQUAL(200, exchange(socket, healthRequest()));
	}

	void testBusyConnectionsShareTheThreads()
	{
		// Eight clients that never pause, on four threads: a ninth still
		// gets its answers, because a thread whose client has no request
		// ready parks it when others wait, instead of waiting for it.
		NodeProcess& node = start({"-Dplugins.load=messaging", "-Dhttp.min_threads=4", "-Dhttp.max_threads=4"}, "");
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
						if (exchange(socket, healthRequest()) != 200) break;
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
	static constexpr const char* kSecret = "integration-cluster-secret-0123456789";

	NodeProcess& start(std::vector<std::string> args, const std::string& secret)
	{
		args.push_back("-Dhttp.access_log=false");
		if (!secret.empty())
		{
			// Through a file, as an operator would keep it.
			_secrets.push_back(std::make_unique<TempDir>());
			const std::string path = _secrets.back()->file("secret");
			{
				Poco::FileOutputStream out(path);
				out << secret << "\n";
			}
			::chmod(path.c_str(), 0600);
			args.push_back("-Dcluster.secret_file=" + path);
		}
		_nodes.push_back(std::make_unique<NodeProcess>(args));
		_nodes.back()->waitUntilListening();
		return *_nodes.back();
	}

	static std::vector<std::string> with(std::vector<std::string> args, const std::string& more)
	{
		args.push_back(more);
		return args;
	}

	static std::map<std::string, std::string> signatureOf(const std::string& method, const std::string& path,
	                                                      const std::string& body, const std::string& secret)
	{
		RequestSigner signer(secret, "test", 30);
		std::map<std::string, std::string> headers;
		for (const auto& [name, value] : signer.sign(method, path, RequestSigner::sha256Hex(body))) headers[name] = value;
		return headers;
	}

	static HttpResult signedPost(Poco::UInt16 port, const std::string& path, const std::string& body, const std::string& secret)
	{
		return p2p::test::http(port, "POST", path, body, "application/json", signatureOf("POST", path, body, secret));
	}

	/// Whether anyone connects to the trap within the time.
	static bool contacted(Poco::Net::ServerSocket& trap, Poco::Timespan within)
	{
		if (!trap.poll(within, Poco::Net::Socket::SELECT_READ)) return false;
		Poco::Net::StreamSocket visitor = trap.acceptConnection();
		visitor.close();
		return true;
	}

	static std::string healthRequest() { return "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"; }

	/// Reads one answer (head and Content-Length body) off a kept-alive
	/// connection; its status.
	static int readAnswer(Poco::Net::StreamSocket& socket)
	{
		std::string data;
		char buffer[1];
		while (data.size() < 4 || data.compare(data.size() - 4, 4, "\r\n\r\n") != 0)
		{
			if (socket.receiveBytes(buffer, 1) != 1) return -1;
			data += buffer[0];
		}
		Poco::RegularExpression length("Content-Length: *([0-9]+)", Poco::RegularExpression::RE_CASELESS);
		std::vector<std::string> found;
		length.split(data, found);
		for (std::size_t body = found.size() == 2 ? std::stoul(found[1]) : 0; body > 0; --body)
		{
			if (socket.receiveBytes(buffer, 1) != 1) return -1;
		}
		return data.size() > 12 ? std::stoi(data.substr(9, 3)) : -1;
	}

	static int exchange(Poco::Net::StreamSocket& socket, const std::string& request)
	{
		socket.sendBytes(request.data(), static_cast<int>(request.size()));
		return readAnswer(socket);
	}

	/// Sends the first `atOnce` bytes of request at once, then one byte a
	/// second, until the node hangs up (or 10 s pass: -1).
	static double secondsUntilCutOff(NodeProcess& node, const std::string& request, std::size_t atOnce)
	{
		Poco::Net::StreamSocket slow(Poco::Net::SocketAddress("127.0.0.1", node.port()));
		if (atOnce > 0) slow.sendBytes(request.data(), static_cast<int>(atOnce));
		Poco::Stopwatch clock;
		clock.start();
		for (std::size_t i = atOnce; i < request.size() && clock.elapsedSeconds() < 10; ++i)
		{
			try
			{
				slow.sendBytes(&request[i], 1);
				char c;
				if (slow.poll(Poco::Timespan(1, 0), Poco::Net::Socket::SELECT_READ) && slow.receiveBytes(&c, 1) <= 0) break;
			}
			catch (const Poco::Exception&)
			{
				break; // reset by the peer
			}
		}
		const double seconds = static_cast<double>(clock.elapsed()) / 1e6;
		return clock.elapsedSeconds() < 10 ? seconds : -1;
	}

	static std::string urlOf(NodeProcess& node) { return "http://127.0.0.1:" + std::to_string(node.port()); }

	static std::string peersOf(NodeProcess& bootstrap) { return p2p::test::http(bootstrap.port(), "GET", "/peers").body; }

	static std::size_t ringSize(NodeProcess& node)
	{
		HttpResult ring = p2p::test::http(node.port(), "GET", "/dht/ring");
		return ring.status == 200 ? p2p::test::jsonObject(ring.body)->getArray("members")->size() : 0;
	}

	static Poco::UInt16 httpsPort(NodeProcess& node)
	{
		CPPUNIT_ASSERT(node.waitForOutput("https on port"));
		Poco::RegularExpression pattern("https on port ([0-9]+)");
		std::vector<std::string> groups;
		CPPUNIT_ASSERT(pattern.split(node.output(), groups) == 2);
		return static_cast<Poco::UInt16>(std::stoi(groups[1]));
	}

	/// A test CA that signs the nodes' certificate (for 127.0.0.1), and
	/// another CA that signs nothing of ours.
	void makeCertificates()
	{
		const std::string dir = _certs.path();
		{
			Poco::FileOutputStream ext(dir + "san.cnf");
			ext << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
		}
		const std::vector<std::vector<std::string>> steps{
			{"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", dir + "ca.key",
			 "-out", dir + "ca.pem", "-days", "2", "-subj", "/CN=p2p test CA"},
			{"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
			 dir + "other-ca.key", "-out", dir + "other-ca.pem", "-days", "2", "-subj", "/CN=someone else's CA"},
			{"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", dir + "node.key", "-out",
			 dir + "node.csr", "-subj", "/CN=127.0.0.1"},
			{"x509", "-req", "-in", dir + "node.csr", "-CA", dir + "ca.pem", "-CAkey", dir + "ca.key", "-CAcreateserial",
			 "-out", dir + "node.pem", "-days", "2", "-extfile", dir + "san.cnf"}};
		for (const auto& step : steps)
		{
			p2p::test::ToolResult made = p2p::test::runCommand("openssl", step);
			CPPUNIT_ASSERT_EQUAL_MESSAGE(made.output, 0, made.status);
		}
	}

	TempDir _certs;
	std::vector<std::unique_ptr<TempDir>> _secrets;
	std::vector<std::unique_ptr<NodeProcess>> _nodes;
};

CPPUNIT_TEST_SUITE_REGISTRATION(SecurityTest);
