#include "NodeProcess.h"
#include <Poco/Thread.h>
#include <cppunit/extensions/HelperMacros.h>
#include <csignal>

using p2p::test::HttpResult;
using p2p::test::NodeProcess;
using p2p::test::TempDir;

/// The gossip plugin on real nodes on loopback, most without any bootstrap node.
class GossipTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(GossipTest);
	CPPUNIT_TEST(testSeedTwoNodeExchange);
	CPPUNIT_TEST(testTwentyNodesFromSeedsConverge);
	CPPUNIT_TEST(testKilledNodeIsDeadEverywhereThenComesBack);
	CPPUNIT_TEST(testBadInputMergesNothing);
	CPPUNIT_TEST(testNetworkOutlivesItsBootstrapNode);
	CPPUNIT_TEST_SUITE_END();

public:
	void tearDown() override
	{
		_nodes.clear();
		_data.clear();
	}

	void testSeedTwoNodeExchange()
	{
		start(1, {});
		start(2, {});
		const std::string b = url(2);
		const HttpResult told = p2p::test::http(port(1), "POST", "/gossip", R"({"peers": [")" + b + R"("], "ttl": 2})");
		CPPUNIT_ASSERT_EQUAL(200, told.status);
		CPPUNIT_ASSERT_EQUAL(R"({"status":"gossip received","known_peers":[")" + b + R"("]})", told.body);
		// node1 introduces itself to the URL it was told; both know each other.
		CPPUNIT_ASSERT(p2p::test::eventually([&] { return aliveCount(1) == 1 && aliveCount(2) == 1; }));
		auto state = p2p::test::jsonObject(p2p::test::http(port(2), "GET", "/gossip/state").body);
		CPPUNIT_ASSERT_EQUAL(std::string("node1"), state->getArray("members")->getObject(0)->getValue<std::string>("id"));
		CPPUNIT_ASSERT(state->getValue<int>("rounds") > 0);
	}

	void testTwentyNodesFromSeedsConverge()
	{
		start(1, {});
		for (int k = 2; k <= 20; ++k) start(k, {"-Dcluster.seeds=" + url(1)});
		for (int k = 1; k <= 20; ++k)
			CPPUNIT_ASSERT_MESSAGE("node" + std::to_string(k) + " knows " + std::to_string(aliveCount(k)),
			                       p2p::test::eventually([&] { return aliveCount(k) == 19; }, Poco::Timespan(30, 0)));
		CPPUNIT_ASSERT(p2p::test::jsonObject(p2p::test::http(port(7), "GET", "/status").body)->getValue<bool>("synced"));
	}

	void testKilledNodeIsDeadEverywhereThenComesBack()
	{
		for (int k = 1; k <= 6; ++k) start(k, k == 1 ? std::vector<std::string>{} : std::vector<std::string>{"-Dcluster.seeds=" + url(1)});
		for (int k = 1; k <= 6; ++k) CPPUNIT_ASSERT(p2p::test::eventually([&] { return ringSize(k) == 6; }, Poco::Timespan(20, 0)));
		::kill(_nodes[5]->pid(), SIGKILL);
		for (int k = 1; k <= 5; ++k)
		{
			CPPUNIT_ASSERT_MESSAGE("node" + std::to_string(k), p2p::test::eventually([&] {
				return stateOf(k, "node6") == "dead" && ringSize(k) == 5;
			}, Poco::Timespan(20, 0)));
		}
		_nodes[5].reset();
		start(6, {"-Dcluster.seeds=" + url(1)}); // same id and data, another port
		for (int k = 1; k <= 5; ++k)
		{
			CPPUNIT_ASSERT_MESSAGE("node" + std::to_string(k), p2p::test::eventually([&] {
				return stateOf(k, "node6") == "alive" && ringSize(k) == 6;
			}, Poco::Timespan(20, 0)));
		}
	}

	void testBadInputMergesNothing()
	{
		start(1, {"-Dgossip.max_peers_per_message=4"});
		const std::string bad[] = {
			R"({"peers": ["http://127.0.0.1:9"], "ttl": -1})", R"({"peers": ["http://127.0.0.1:9"], "ttl": "2"})",
			R"({"peers": "http://127.0.0.1:9", "ttl": 1})",    R"({"peers": ["127.0.0.1:9"], "ttl": 1})",
			R"({"peers": ["http://127.0.0.1:9", "file:///etc/passwd"], "ttl": 1})",
			R"({"peers": ["http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3", "http://127.0.0.1:4", "http://127.0.0.1:5"]})",
			R"({"members": [{"id": "x", "url": "http://127.0.0.1:9", "state": "undead"}]})", R"([1, 2])", "{oops"};
		for (const auto& body : bad)
		{
			const HttpResult refused = p2p::test::http(port(1), "POST", "/gossip", body);
			CPPUNIT_ASSERT_EQUAL_MESSAGE(body, 400, refused.status);
			CPPUNIT_ASSERT(p2p::test::jsonObject(refused.body)->has("error"));
		}
		const std::string huge = R"({"peers": [], "ttl": 1, "pad": ")" + std::string(300 * 1024, 'x') + R"("})";
		CPPUNIT_ASSERT_EQUAL(413, p2p::test::http(port(1), "POST", "/gossip", huge).status);
		CPPUNIT_ASSERT_EQUAL(400, p2p::test::http(port(1), "POST", "/gossip/exchange", R"({"ttl": 0})").status);
		auto state = p2p::test::jsonObject(p2p::test::http(port(1), "GET", "/gossip/state").body);
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), state->getArray("members")->size());
		CPPUNIT_ASSERT_EQUAL(0, state->getObject("messages")->getValue<int>("received"));
	}

	void testNetworkOutlivesItsBootstrapNode()
	{
		auto bootstrap = std::make_unique<NodeProcess>(std::vector<std::string>{"-Dplugins.load=bootstrap"});
		const std::string registry = "-Dcluster.bootstrap=http://127.0.0.1:" + std::to_string(bootstrap->waitUntilListening());
		for (int k = 1; k <= 4; ++k) start(k, {registry});
		for (int k = 1; k <= 4; ++k) CPPUNIT_ASSERT(p2p::test::eventually([&] { return aliveCount(k) == 3; }));
		::kill(bootstrap->pid(), SIGKILL);
		bootstrap.reset();
		// Gossip keeps the view: after several suspicion timeouts everyone still knows everyone.
		const Poco::Timestamp since;
		while (since.elapsed() < 3 * 1000 * 1000)
		{
			for (int k = 1; k <= 4; ++k) CPPUNIT_ASSERT_EQUAL(3, aliveCount(k));
			Poco::Thread::sleep(200);
		}
	}

private:
	void start(int k, std::vector<std::string> extra)
	{
		const auto index = static_cast<std::size_t>(k - 1);
		if (_data.size() <= index) _data.resize(index + 1);
		if (!_data[index]) _data[index] = std::make_unique<TempDir>();
		if (_nodes.size() <= index) _nodes.resize(index + 1);
		std::vector<std::string> args{"-Dplugins.load=gossip, dht-router", "-Dnode.id=node" + std::to_string(k),
		                              "-Dnode.data_dir=" + _data[index]->path(), "-Dgossip.interval_ms=200",
		                              "-Dgossip.probe_timeout_ms=1000", "-Dgossip.suspect_timeout_ms=2000",
		                              "-Dhttp.access_log=false"};
		args.insert(args.end(), extra.begin(), extra.end());
		_nodes[index] = std::make_unique<NodeProcess>(args);
		_nodes[index]->waitUntilListening();
	}

	Poco::UInt16 port(int k) const { return _nodes.at(static_cast<std::size_t>(k - 1))->port(); }
	std::string url(int k) const { return "http://127.0.0.1:" + std::to_string(port(k)); }

	/// Node k's members; none while it is too busy to answer (twenty nodes
	/// forming under a sanitizer on two cores): the callers poll on.
	Poco::JSON::Array::Ptr membersOf(int k)
	{
		try
		{
			return p2p::test::jsonObject(p2p::test::http(port(k), "GET", "/gossip/state").body)->getArray("members");
		}
		catch (const Poco::TimeoutException&)
		{
			return new Poco::JSON::Array;
		}
	}

	int aliveCount(int k)
	{
		auto members = membersOf(k);
		int alive = 0;
		for (std::size_t i = 0; i < members->size(); ++i)
			alive += members->getObject(static_cast<unsigned>(i))->getValue<std::string>("state") == "alive" ? 1 : 0;
		return alive;
	}

	std::string stateOf(int k, const std::string& id)
	{
		auto members = membersOf(k);
		for (std::size_t i = 0; i < members->size(); ++i)
		{
			auto member = members->getObject(static_cast<unsigned>(i));
			if (member->getValue<std::string>("id") == id) return member->getValue<std::string>("state");
		}
		return "unknown";
	}

	int ringSize(int k)
	{
		return p2p::test::jsonObject(p2p::test::http(port(k), "GET", "/dht/ring").body)->getValue<int>("nodes");
	}

	std::vector<std::unique_ptr<TempDir>> _data;
	std::vector<std::unique_ptr<NodeProcess>> _nodes;
};

CPPUNIT_TEST_SUITE_REGISTRATION(GossipTest);
