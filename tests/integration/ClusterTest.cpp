#include "NodeProcess.h"
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/ServerSocket.h>
#include <cppunit/extensions/HelperMacros.h>
#include <csignal>
#include <fstream>
#include <sstream>

using p2p::test::HttpResult;
using p2p::test::NodeProcess;
using p2p::test::TempDir;
using p2p::test::ToolResult;

/// p2p-cluster and the bootstrap node, with real processes on loopback.
/// Every test takes its network down in tearDown, whatever happened.
class ClusterTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(ClusterTest);
	CPPUNIT_TEST(testTenNodesComeUpAndGoDownWithoutTrace);
	CPPUNIT_TEST(testDefaultNetworkServesTheSeedsSession);
	CPPUNIT_TEST(testKilledNodeLeavesAfterItsLease);
	CPPUNIT_TEST(testRestartedNodeKeepsItsId);
	CPPUNIT_TEST(testTakenPortStartsNothing);
	CPPUNIT_TEST(testBootstrapRefusesBadRegistrations);
	CPPUNIT_TEST(testAnUnchangedPeerListIsNotSentAgain);
	CPPUNIT_TEST(testGossipingNodesOnlyRenewTheirLease);
	CPPUNIT_TEST(testNodeServesAtOnceAndRegistersWhenBootstrapComesUp);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override { _dir = std::make_unique<TempDir>(); }

	void tearDown() override
	{
		p2p::test::runTool("p2p-cluster", {"down", "--dir", _dir->path(), "--grace", "5"});
		_dir.reset();
	}

	void testTenNodesComeUpAndGoDownWithoutTrace()
	{
		const ToolResult up = upCluster(10, {});
		CPPUNIT_ASSERT_MESSAGE(up.output, up.output.find("registered 10/10, fully discovered 10/10") != std::string::npos);

		auto peers = p2p::test::jsonObject(p2p::test::http(_base, "GET", "/peers").body)->getArray("peers");
		CPPUNIT_ASSERT_EQUAL(std::size_t(10), peers->size());
		CPPUNIT_ASSERT(peers->getElement<std::string>(0).find("http://127.0.0.1:") == 0);

		// Every node knows the nine others.
		auto members = p2p::test::jsonObject(p2p::test::http(static_cast<Poco::UInt16>(_base + 4), "GET", "/members").body)->getArray("members");
		CPPUNIT_ASSERT_EQUAL(std::size_t(9), members->size());

		const ToolResult status = p2p::test::runTool("p2p-cluster", {"status", "--dir", _dir->path()});
		CPPUNIT_ASSERT_EQUAL_MESSAGE(status.output, 0, status.status);
		CPPUNIT_ASSERT(status.output.find("11 of 11 processes running") != std::string::npos);

		const auto pids = recordedPids();
		CPPUNIT_ASSERT_EQUAL(std::size_t(11), pids.size());
		const ToolResult down = p2p::test::runTool("p2p-cluster", {"down", "--dir", _dir->path()});
		CPPUNIT_ASSERT_EQUAL_MESSAGE(down.output, 0, down.status);
		for (int pid : pids) CPPUNIT_ASSERT_MESSAGE(std::to_string(pid), !runningNode(pid));
		for (int port = _base; port <= _base + 10; ++port) CPPUNIT_ASSERT_MESSAGE(std::to_string(port), portFree(port));
		CPPUNIT_ASSERT(!Poco::File(_dir->file("cluster.state")).exists());
	}

	void testDefaultNetworkServesTheSeedsSession()
	{
		// No --plugins: the seed's nodes, which upload, download, keep keys on
		// the ring, message and gossip; each step on a node other than the last.
		upWithDefaults(4, {});
		const auto node = [&](int k) { return static_cast<Poco::UInt16>(_base + k); };
		for (int k = 1; k <= 4; ++k)
		{
			auto plugins = p2p::test::jsonObject(p2p::test::http(node(k), "GET", "/status").body)->getArray("plugins");
			CPPUNIT_ASSERT_EQUAL(std::size_t(5), plugins->size());
		}
		const std::string upload = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"mydoc.txt\"\r\n"
		                           "Content-Type: text/plain\r\n\r\nHello, this is a test document.\r\n--b--\r\n";
		const HttpResult uploaded = p2p::test::http(node(1), "POST", "/upload", upload, "multipart/form-data; boundary=b");
		CPPUNIT_ASSERT_EQUAL_MESSAGE(uploaded.body, 200, uploaded.status);
		CPPUNIT_ASSERT_EQUAL(std::string("uploaded"), p2p::test::jsonObject(uploaded.body)->getValue<std::string>("status"));
		const HttpResult downloaded = p2p::test::http(node(2), "GET", "/download/mydoc.txt");
		CPPUNIT_ASSERT_EQUAL(200, downloaded.status);
		CPPUNIT_ASSERT_EQUAL(std::string("Hello, this is a test document."), downloaded.body);

		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(node(3), "POST", "/kv", R"({"key": "color", "value": "blue"})").status);
		const HttpResult value = p2p::test::http(node(4), "GET", "/kv/color");
		CPPUNIT_ASSERT_EQUAL(std::string("blue"), p2p::test::jsonObject(value.body)->getValue<std::string>("value"));

		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(node(2), "POST", "/message", R"({"sender_id": "Node1", "message": "Hello Node2!"})").status);
		const HttpResult gossip = p2p::test::http(node(1), "POST", "/gossip", "{\"peers\": [\"http://127.0.0.1:" + std::to_string(node(1)) + "\"], \"ttl\": 2}");
		CPPUNIT_ASSERT_EQUAL(std::string("gossip received"), p2p::test::jsonObject(gossip.body)->getValue<std::string>("status"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), p2p::test::jsonObject(gossip.body)->getArray("known_peers")->size());
	}

	void testKilledNodeLeavesAfterItsLease()
	{
		upCluster(3, {"--define", "bootstrap.lease_seconds=2", "--define", "cluster.lease_renew_ms=300"});
		const int victim = recordedPids().at(2); // node2
		::kill(victim, SIGKILL);
		const std::string url = "http://127.0.0.1:" + std::to_string(_base + 2);
		CPPUNIT_ASSERT(p2p::test::eventually([&] {
			return p2p::test::http(_base, "GET", "/peers").body.find(url) == std::string::npos;
		}, Poco::Timespan(10, 0)));
		// The survivors drop it from their views too.
		CPPUNIT_ASSERT(p2p::test::eventually([&] {
			return p2p::test::http(static_cast<Poco::UInt16>(_base + 1), "GET", "/members").body.find("\"node2\"") == std::string::npos;
		}, Poco::Timespan(10, 0)));
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), p2p::test::jsonObject(p2p::test::http(_base, "GET", "/peers").body)->getArray("peers")->size());
	}

	void testRestartedNodeKeepsItsId()
	{
		upCluster(1, {});
		const std::string bootstrap = "-Dcluster.bootstrap=http://127.0.0.1:" + std::to_string(_base);
		TempDir data;
		std::string first;
		{
			NodeProcess node({"-Dplugins.load=", bootstrap, "-Dnode.data_dir=" + data.path()});
			first = p2p::test::jsonObject(p2p::test::http(node.waitUntilListening(), "GET", "/status").body)->getValue<std::string>("id");
			CPPUNIT_ASSERT(p2p::test::eventually([&] { return registeredIds().find(first) != std::string::npos; }));
			node.terminate();
			CPPUNIT_ASSERT_EQUAL(0, node.waitForExit());
		}
		// It left on shutdown ...
		CPPUNIT_ASSERT(registeredIds().find(first) == std::string::npos);
		// ... and comes back as the same node.
		NodeProcess again({"-Dplugins.load=", bootstrap, "-Dnode.data_dir=" + data.path()});
		again.waitUntilListening();
		CPPUNIT_ASSERT(p2p::test::eventually([&] { return registeredIds().find(first) != std::string::npos; }));
	}

	void testTakenPortStartsNothing()
	{
		Poco::Net::ServerSocket squatter(Poco::Net::SocketAddress("127.0.0.1", 0));
		const int port = squatter.address().port();
		const ToolResult up = p2p::test::runTool("p2p-cluster", {"up", "--nodes", "3", "--base-port", std::to_string(port - 2),
		                                                         "--dir", _dir->path()});
		CPPUNIT_ASSERT_EQUAL(2, up.status);
		// Other ports of the range may be taken too (this one is among the ephemeral ports).
		const auto listed = up.output.find("already in use:");
		CPPUNIT_ASSERT_MESSAGE(up.output, listed != std::string::npos);
		CPPUNIT_ASSERT_MESSAGE(up.output, up.output.find(" " + std::to_string(port), listed) != std::string::npos);
		CPPUNIT_ASSERT(up.output.find("nothing was started") != std::string::npos);
		CPPUNIT_ASSERT(recordedPids().empty());
	}

	void testBootstrapRefusesBadRegistrations()
	{
		upCluster(1, {});
		const char* bad[] = {R"({"id": "", "address": "http://x:1"})", R"({"address": "http://x:1"})",
		                     R"({"id": "x", "address": "x:1"})", R"({"id": "x", "address": "http://x"})", R"({"id": 7, "address": "http://x:1"})"};
		for (const char* body : bad)
		{
			HttpResult r = p2p::test::http(_base, "POST", "/register", body);
			CPPUNIT_ASSERT_EQUAL_MESSAGE(body, 400, r.status);
		}
		const std::string longId(129, 'a');
		CPPUNIT_ASSERT_EQUAL(400, p2p::test::http(_base, "POST", "/register", "{\"id\": \"" + longId + "\", \"address\": \"http://x:1\"}").status);
		CPPUNIT_ASSERT_EQUAL(413, p2p::test::http(_base, "POST", "/register", "{\"id\": \"" + std::string(5000, 'a') + "\"}").status);
		// Nothing of that was stored.
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), p2p::test::jsonObject(p2p::test::http(_base, "GET", "/peers").body)->getArray("peers")->size());

		HttpResult ok = p2p::test::http(_base, "POST", "/register", R"({"id": "extra", "address": "http://127.0.0.1:1"})");
		CPPUNIT_ASSERT_EQUAL(std::string(R"({"status":"success","peers":2,"lease_seconds":30})"), ok.body);
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(_base, "DELETE", "/register/extra").status);
		CPPUNIT_ASSERT_EQUAL(404, p2p::test::http(_base, "DELETE", "/register/extra").status);
	}

	void testAnUnchangedPeerListIsNotSentAgain()
	{
		upCluster(1, {});
		const HttpResult first = p2p::test::http(_base, "GET", "/peers?detail=true");
		const std::string tag = first.headers.get("ETag", "");
		CPPUNIT_ASSERT_MESSAGE(tag, tag.rfind("W/\"", 0) == 0);
		const HttpResult same = p2p::test::http(_base, "GET", "/peers?detail=true", "", "application/json", {{"If-None-Match", tag}});
		CPPUNIT_ASSERT_EQUAL(304, same.status);
		CPPUNIT_ASSERT(same.body.empty());
		// A renewal leaves the list as it was; a new node changes it.
		const std::string node1 = R"({"id": "node1", "address": "http://127.0.0.1:)" + std::to_string(_base + 1) + "\"}";
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(_base, "POST", "/register", node1).status);
		CPPUNIT_ASSERT_EQUAL(304, p2p::test::http(_base, "GET", "/peers", "", "application/json", {{"If-None-Match", tag}}).status);
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(_base, "POST", "/register", R"({"id": "extra", "address": "http://127.0.0.1:1"})").status);
		const HttpResult changed = p2p::test::http(_base, "GET", "/peers", "", "application/json", {{"If-None-Match", tag}});
		CPPUNIT_ASSERT_EQUAL(200, changed.status);
		CPPUNIT_ASSERT(changed.headers.get("ETag", "") != tag);
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), p2p::test::jsonObject(changed.body)->getArray("peers")->size());
	}

	void testGossipingNodesOnlyRenewTheirLease()
	{
		// Renewals every 200 ms, and lists that would be asked for every 50 to
		// 100 ms: the messaging nodes go on asking (each an answer of 304),
		// the gossiping ones took one list to join and only renew.
		const std::vector<std::string> quick{"--define", "cluster.lease_renew_ms=200", "--define", "cluster.peer_refresh_min_ms=50",
		                                     "--define", "cluster.peer_refresh_max_ms=100"};
		for (const bool gossip : {false, true})
		{
			tearDown();
			setUp();
			std::vector<std::string> extra = quick;
			if (!gossip) extra.insert(extra.end(), {"--plugins", "messaging"});
			upWithDefaults(3, extra);
			const auto count = [&](const std::string& route, const std::string& status) {
				return std::max(0.0, p2p::test::metricValue(_base, "p2p_http_requests_total{route=\"" + route + "\",status=\"" + status + "\"}"));
			};
			const auto lists = [&] { return count("GET /peers", "200") + count("GET /peers", "304"); };
			const double listsBefore = lists();
			const double renewalsBefore = count("POST /register", "200");
			// Fifteen renewals: about a second, in which the messaging nodes ask ten times each.
			CPPUNIT_ASSERT(p2p::test::eventually([&] { return count("POST /register", "200") >= renewalsBefore + 15; }));
			const double asked = lists() - listsBefore;
			if (gossip)
				CPPUNIT_ASSERT_EQUAL_MESSAGE("lists asked for by gossiping nodes", 0.0, asked);
			else
				CPPUNIT_ASSERT_MESSAGE("lists asked for by messaging nodes: " + std::to_string(asked), asked >= 6);
		}
	}

	void testNodeServesAtOnceAndRegistersWhenBootstrapComesUp()
	{
		Poco::UInt16 port;
		{
			Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
			port = probe.address().port();
		}
		// Two bootstrap URLs: the first never answers, the second comes later.
		const std::string bootstraps = "-Dcluster.bootstrap=http://127.0.0.1:1,http://127.0.0.1:" + std::to_string(port);
		NodeProcess node({"-Dplugins.load=", "-Dnode.id=early", bootstraps, "-Dcluster.retry_max_ms=500"});
		const auto nodePort = node.waitUntilListening();
		auto status = p2p::test::jsonObject(p2p::test::http(nodePort, "GET", "/status").body);
		CPPUNIT_ASSERT(!status->getValue<bool>("registered"));
		CPPUNIT_ASSERT(node.waitForOutput("retrying with backoff"));

		NodeProcess bootstrap({"-Dplugins.load=bootstrap", "-Dhttp.port=" + std::to_string(port)});
		bootstrap.waitUntilListening();
		CPPUNIT_ASSERT(p2p::test::eventually([&] {
			return p2p::test::http(port, "GET", "/peers?detail=true").body.find("\"early\"") != std::string::npos;
		}));
		// The bootstrap lists the node as soon as it took the registration; the
		// node says so once the answer has reached it: a moment later.
		CPPUNIT_ASSERT(p2p::test::eventually([&] {
			return p2p::test::jsonObject(p2p::test::http(nodePort, "GET", "/status").body)->getValue<bool>("registered");
		}));
	}

private:
	/// Brings up a network of messaging nodes on a random free range of ports.
	ToolResult upCluster(int nodes, std::vector<std::string> extra)
	{
		extra.insert(extra.begin(), {"--plugins", "messaging"});
		return upWithDefaults(nodes, extra);
	}

	/// Brings up a network of the launcher's default nodes (every plugin).
	ToolResult upWithDefaults(int nodes, std::vector<std::string> extra)
	{
		extra.insert(extra.begin(), {"--nodes", std::to_string(nodes), "--timeout", "30"});
		ToolResult up;
		_base = p2p::test::upClusterOnFreePorts(_dir->path(), extra, &up);
		return up;
	}

	std::vector<int> recordedPids() const
	{
		std::vector<int> pids;
		if (!Poco::File(_dir->file("cluster.state")).exists()) return pids;
		Poco::FileInputStream in(_dir->file("cluster.state"));
		std::string line;
		while (std::getline(in, line))
		{
			std::istringstream fields(line);
			std::string name;
			int pid = 0;
			if (fields >> name >> pid) pids.push_back(pid);
		}
		return pids;
	}

	std::string registeredIds() const { return p2p::test::http(_base, "GET", "/peers?detail=true").body; }

	static bool runningNode(int pid)
	{
		std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
		std::string field, comm, state;
		return (stat >> field >> comm >> state) && state != "Z" && comm == "(p2p-node)";
	}

	static bool portFree(int port)
	{
		try
		{
			Poco::Net::ServerSocket socket;
			socket.bind(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)), true, false);
			return true;
		}
		catch (const Poco::Exception&)
		{
			return false;
		}
	}



	std::unique_ptr<TempDir> _dir;
	int _base = 0;
};

CPPUNIT_TEST_SUITE_REGISTRATION(ClusterTest);
