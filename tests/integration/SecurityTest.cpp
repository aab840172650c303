#include "NodeProcess.h"
#include "TestCertificates.h"
#include "security/PeerStamps.h"
#include "security/RequestSigner.h"
#include <Poco/FileStream.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Stopwatch.h>
#include <Poco/Thread.h>
#include <cppunit/extensions/HelperMacros.h>
#include <sys/stat.h>

using p2p::RequestSigner;
using p2p::test::HttpResult;
using p2p::test::NodeProcess;
using p2p::test::TempDir;

/// Issue 8 on real nodes: cluster.secret keeps strangers out, TLS works
/// with the right CA only. (How connections are served, slow clients cut
/// off and idle ones parked: ConnectionTest.)
class SecurityTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(SecurityTest);
	CPPUNIT_TEST(testUnsignedGossipIsRefusedAndItsUrlNeverContacted);
	CPPUNIT_TEST(testEveryNodeToNodeRouteRefusesAReplay);
	CPPUNIT_TEST(testSignaturesForAnotherNodeOrFromLongAgoAreRefused);
	CPPUNIT_TEST(testNodeWithTheWrongSecretCannotJoin);
	CPPUNIT_TEST(testClientTokenGuardsClientEndpoints);
	CPPUNIT_TEST(testFileCopiesMustMatchTheirSignedHash);
	CPPUNIT_TEST(testFilesTravelBetweenNodesUnderTheSecret);
	CPPUNIT_TEST(testTlsWithTheTestCaOnly);
	CPPUNIT_TEST(testKvOverHttpsBetweenNodes);
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

	void testEveryNodeToNodeRouteRefusesAReplay()
	{
		NodeProcess& bootstrap = start({"-Dplugins.load=bootstrap", "-Dnode.id=bootstrap"}, kSecret);
		NodeProcess& node = start({"-Dplugins.load=dht-router,kvstore,filestore,gossip", "-Dnode.id=node1"}, kSecret);
		const std::string entry = R"({"value": "v", "version": 1, "writer": "node0", "deleted": false})";
		const std::string file = "the bytes of a replica";
		struct Route
		{
			NodeProcess& node;
			std::string method, path, body;
		};
		const std::vector<Route> routes{
			{bootstrap, "POST", "/register", R"({"id": "replayed", "address": "http://127.0.0.1:9"})"},
			{bootstrap, "DELETE", "/register/replayed", ""},
			{node, "GET", "/internal/kv/k", ""},
			{node, "PUT", "/internal/kv/k", entry},
			{node, "POST", "/internal/kv", R"({"entries": [{"key": "k", "entry": )" + entry + "}]}"},
			{node, "PUT", "/internal/files/a.txt", file},
			{node, "GET", "/internal/files/a.txt", ""},
			{node, "GET", "/internal/files", ""},
			{node, "DELETE", "/internal/files/a.txt?stored_by=" + std::to_string(Poco::Timestamp().epochMicroseconds()), ""},
			{node, "POST", "/gossip", R"({"peers": [], "ttl": 0})"},
			{node, "POST", "/gossip/exchange", R"({"id": "x1", "ttl": 0, "members": []})"},
			{node, "POST", "/gossip/probe", R"({"target": "http://127.0.0.1:9"})"},
			{node, "GET", "/kv/k", ""}, // a client route, as a forwarding node sends it: signed
		};
		for (const Route& route : routes)
		{
			const std::string what = route.method + " " + route.path;
			auto headers = signatureOf(route.method, route.path, route.body, kSecret);
			const std::string type = route.path.rfind("/internal/files/", 0) == 0 ? "application/octet-stream" : "application/json";
			const HttpResult first = p2p::test::http(route.node.port(), route.method, route.path, route.body, type, headers);
			CPPUNIT_ASSERT_MESSAGE(what + " was refused the first time: " + first.body, first.status != 401);
			const HttpResult again = p2p::test::http(route.node.port(), route.method, route.path, route.body, type, headers);
			CPPUNIT_ASSERT_EQUAL_MESSAGE(what + " replayed", 401, again.status);
			CPPUNIT_ASSERT_MESSAGE(what + ": " + again.body, again.body.find("replay") != std::string::npos);
		}
	}

	void testSignaturesForAnotherNodeOrFromLongAgoAreRefused()
	{
		NodeProcess& bootstrap = start({"-Dplugins.load=bootstrap", "-Dnode.id=bootstrap"}, kSecret);
		const std::string body = R"({"id": "replayed", "address": "http://127.0.0.1:9"})";
		RequestSigner signer(kSecret, "replayer", 30);
		p2p::PeerStamps stamps;
		const auto headersOf = [&](const p2p::SignedFor& signedFor, Poco::Timestamp at) {
			std::map<std::string, std::string> headers;
			for (const auto& [name, value] : signer.sign("POST", "/register", RequestSigner::sha256Hex(body), signedFor, at))
				headers[name] = value;
			return headers;
		};
		auto forOther = stamps.next("127.0.0.1", bootstrap.port());
		forOther.to = "node7";
		HttpResult misdirected = p2p::test::http(bootstrap.port(), "POST", "/register", body, "application/json",
		                                         headersOf(forOther, Poco::Timestamp()));
		CPPUNIT_ASSERT_EQUAL(401, misdirected.status);
		CPPUNIT_ASSERT(misdirected.body.find("signed for node 'node7'") != std::string::npos);

		auto forBootstrap = stamps.next("127.0.0.1", bootstrap.port());
		forBootstrap.to = "bootstrap";
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(bootstrap.port(), "POST", "/register", body, "application/json",
		                                          headersOf(forBootstrap, Poco::Timestamp())).status);

		HttpResult stale = p2p::test::http(bootstrap.port(), "POST", "/register", body, "application/json",
		                                   headersOf(stamps.next("127.0.0.1", bootstrap.port()),
		                                             Poco::Timestamp() - 600 * Poco::Timespan::SECONDS));
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
			const auto headers = signatureOfHash("PUT", "/internal/files/f.txt", declared, kSecret);
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
		NodeProcess& node = start({"-Dplugins.load=messaging, filestore", "-Dhttps.port=0",
		                           "-Dhttps.certificate=" + _certs.file("node.pem"), "-Dhttps.private_key=" + _certs.file("node.key")},
		                          "");
		const std::string url = "https://127.0.0.1:" + std::to_string(node.httpsPort()) + "/health";
		p2p::test::ToolResult good = p2p::test::runCommand("curl", {"-sS", "--cacert", _certs.file("ca.pem"), url});
		CPPUNIT_ASSERT_EQUAL_MESSAGE(good.output, 0, good.status);
		CPPUNIT_ASSERT(good.output.find("\"status\":\"ok\"") != std::string::npos);
		p2p::test::ToolResult wrong = p2p::test::runCommand("curl", {"-sS", "--cacert", _certs.file("other-ca.pem"), url});
		CPPUNIT_ASSERT_EQUAL_MESSAGE(wrong.output, 60, wrong.status); // curl: peer certificate cannot be authenticated
		// A file up and down through TLS: downloads cannot take the
		// sendfile(2) shortcut there, or the client would get plaintext.
		const std::string base = "https://127.0.0.1:" + std::to_string(node.httpsPort());
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
		// https.port=0: the kernel picks, the node logs it and advertises it.
		auto tls = [&](const std::string& ca) {
			return std::vector<std::string>{"-Dhttps.port=0", "-Dhttps.certificate=" + _certs.file("node.pem"),
			                                "-Dhttps.private_key=" + _certs.file("node.key"), "-Dhttps.ca_file=" + _certs.file(ca)};
		};
		NodeProcess& bootstrap = start(with(tls("ca.pem"), "-Dplugins.load=bootstrap"), kSecret);
		const std::string bootstrapUrl = "https://127.0.0.1:" + std::to_string(bootstrap.httpsPort());
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
		CPPUNIT_ASSERT(peersOf(bootstrap).find(std::to_string(c.httpsPort())) == std::string::npos);
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
		return signatureOfHash(method, path, RequestSigner::sha256Hex(body), secret);
	}

	/// The headers a node signs a request with whose body hashes to bodyHash.
	static std::map<std::string, std::string> signatureOfHash(const std::string& method, const std::string& path,
	                                                          const std::string& bodyHash, const std::string& secret)
	{
		// Numbered as a node numbers its requests, so that each is new.
		static p2p::PeerStamps stamps;
		RequestSigner signer(secret, "test", 30);
		std::map<std::string, std::string> headers;
		for (const auto& [name, value] : signer.sign(method, path, bodyHash, stamps.next("test", 0))) headers[name] = value;
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

	static std::string urlOf(NodeProcess& node) { return "http://127.0.0.1:" + std::to_string(node.port()); }

	static std::string peersOf(NodeProcess& bootstrap) { return p2p::test::http(bootstrap.port(), "GET", "/peers").body; }

	static std::size_t ringSize(NodeProcess& node)
	{
		HttpResult ring = p2p::test::http(node.port(), "GET", "/dht/ring");
		return ring.status == 200 ? p2p::test::jsonObject(ring.body)->getArray("members")->size() : 0;
	}

	p2p::test::TestCertificates _certs;
	std::vector<std::unique_ptr<TempDir>> _secrets;
	std::vector<std::unique_ptr<NodeProcess>> _nodes;
};

CPPUNIT_TEST_SUITE_REGISTRATION(SecurityTest);
