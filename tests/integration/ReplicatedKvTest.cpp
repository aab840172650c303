#include "NodeProcess.h"
#include <Poco/NumberParser.h>
#include <Poco/StringTokenizer.h>
#include <cppunit/extensions/HelperMacros.h>
#include <csignal>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

using p2p::test::HttpResult;
using p2p::test::NodeProcess;
using p2p::test::TempDir;

/// kvstore over dht-router on a real loopback network: a bootstrap node and
/// five nodes, each key kept on three of them (N = 3, W = 2, R = 2).
class ReplicatedKvTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(ReplicatedKvTest);
	CPPUNIT_TEST(testKeysWrittenAnywhereAreReadEverywhere);
	CPPUNIT_TEST(testEveryKeySurvivesAKilledNode);
	CPPUNIT_TEST(testRestartedNodeKeepsItsKeys);
	CPPUNIT_TEST(testAddedNodeTakesItsShare);
	CPPUNIT_TEST(testWritesFailLoudlyWithoutAQuorum);
	CPPUNIT_TEST(testHopLimitAndBadInput);
	CPPUNIT_TEST(testRollingRestartLosesNoAcknowledgedWrite);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_bootstrap = std::make_unique<NodeProcess>(std::vector<std::string>{"-Dplugins.load=bootstrap", "-Dbootstrap.lease_seconds=2"});
		_bootstrapPort = _bootstrap->waitUntilListening();
		for (int k = 1; k <= 5; ++k) startNode(k);
		waitForRing(5);
	}

	void tearDown() override
	{
		_nodes.clear(); // kills what is still running
		_bootstrap.reset();
		_data.clear();
	}

	void testKeysWrittenAnywhereAreReadEverywhere()
	{
		writeKeys(1000);
		for (int i = 0; i < 1000; ++i)
		{
			const HttpResult read = p2p::test::http(port(1 + (i + 1) % 5), "GET", "/kv/" + key(i)); // another node than the writer
			CPPUNIT_ASSERT_EQUAL_MESSAGE(key(i) + ": " + read.body, 200, read.status);
			CPPUNIT_ASSERT_EQUAL(expectedBody(i), read.body);
		}
		CPPUNIT_ASSERT_MESSAGE(std::to_string(copies()), p2p::test::eventually([&] { return copies() == 3000; }));

		// A node that does not own a key forwards to one that does.
		int forwarded = 0;
		for (int i = 0; i < 20; ++i)
			forwarded += p2p::test::http(port(1), "GET", "/kv/" + key(i)).headers.has("X-P2P-Answered-By") ? 1 : 0;
		CPPUNIT_ASSERT(forwarded > 0 && forwarded < 20);
	}

	void testEveryKeySurvivesAKilledNode()
	{
		writeKeys(1000);
		::kill(_nodes[3]->pid(), SIGKILL); // node4
		// At once, while the ring still names it: reads go to the other replicas.
		for (int i = 0; i < 1000; ++i)
		{
			const HttpResult read = p2p::test::http(port(1 + i % 3), "GET", "/kv/" + key(i));
			CPPUNIT_ASSERT_EQUAL_MESSAGE(key(i) + ": " + read.body, 200, read.status);
		}
		// Once its lease is gone, the survivors make three copies of every key again.
		waitForRing(4, {4});
		CPPUNIT_ASSERT_MESSAGE(std::to_string(copies({4})), p2p::test::eventually([&] { return copies({4}) == 3000; }, Poco::Timespan(20, 0)));
		for (int i = 0; i < 1000; i += 7) CPPUNIT_ASSERT_EQUAL(expectedBody(i), p2p::test::http(port(5), "GET", "/kv/" + key(i)).body);
	}

	void testRestartedNodeKeepsItsKeys()
	{
		writeKeys(300);
		CPPUNIT_ASSERT(p2p::test::eventually([&] { return copies() == 900; }));
		const double before = localKeys(3);
		CPPUNIT_ASSERT(before > 0);
		_nodes[2]->terminate();
		CPPUNIT_ASSERT_EQUAL(0, _nodes[2]->waitForExit());
		startNode(3);
		CPPUNIT_ASSERT_EQUAL(before, localKeys(3)); // from its own database, before any rebalancing
		waitForRing(5);
		for (int i = 0; i < 300; ++i) CPPUNIT_ASSERT_EQUAL(expectedBody(i), p2p::test::http(port(3), "GET", "/kv/" + key(i)).body);
	}

	void testAddedNodeTakesItsShare()
	{
		writeKeys(1000);
		startNode(6);
		waitForRing(6);
		// The new node's first rebalancing pass, a second after the ring settled, fills it.
		CPPUNIT_ASSERT_MESSAGE(std::to_string(copies()), p2p::test::eventually([&] {
			return localKeys(6) > 0 && copies() == 3000;
		}, Poco::Timespan(20, 0)));
		// Every key on exactly the three nodes the ring names, the new one included.
		for (int i = 0; i < 1000; ++i)
		{
			auto located = p2p::test::jsonObject(p2p::test::http(port(1), "GET", "/dht/locate/" + key(i)).body);
			auto replicas = located->getArray("replicas");
			CPPUNIT_ASSERT_EQUAL(std::size_t(3), replicas->size());
			for (std::size_t r = 0; r < replicas->size(); ++r)
			{
				const std::string id = replicas->getObject(static_cast<unsigned>(r))->getValue<std::string>("id");
				const int k = Poco::NumberParser::parse(id.substr(4));
				CPPUNIT_ASSERT_EQUAL_MESSAGE(key(i) + " on " + id, 200, p2p::test::http(port(k), "GET", "/internal/kv/" + key(i)).status);
			}
			CPPUNIT_ASSERT_EQUAL(expectedBody(i), p2p::test::http(port(6), "GET", "/kv/" + key(i)).body);
		}
	}

	void testWritesFailLoudlyWithoutAQuorum()
	{
		for (int k = 2; k <= 5; ++k) ::kill(_nodes[static_cast<std::size_t>(k - 1)]->pid(), SIGKILL);
		// Before the leases run out node1 still places keys on the dead nodes.
		const HttpResult refused = p2p::test::http(port(1), "POST", "/kv", R"({"key": "lonely", "value": 1})");
		CPPUNIT_ASSERT_EQUAL_MESSAGE(refused.body, 503, refused.status);
		const std::string error = p2p::test::jsonObject(refused.body)->getValue<std::string>("error");
		// A node being killed may still take a connection its kernel then
		// drops: "closed the connection" is as unreachable as "cannot reach".
		CPPUNIT_ASSERT_MESSAGE(error, error.find("node") != std::string::npos &&
		                                  (error.find("cannot reach") != std::string::npos ||
		                                   error.find("closed the connection") != std::string::npos));
	}

	void testHopLimitAndBadInput()
	{
		const std::string notMine = keyNotOwnedBy(1);
		// Forwarded to a node that is only a stand-in for the key (of five
		// nodes every one is, N = 3), a request is served there rather than
		// sent on: views of the ring differ, and it could bounce until
		// dht.max_hops refuses it. It coordinates, so the owners take the write.
		const HttpResult atLimit = p2p::test::http(port(1), "PUT", "/kv/" + notMine, "7", "application/json", {{"X-P2P-Hops", "3"}});
		CPPUNIT_ASSERT_EQUAL_MESSAGE(atLimit.body, 200, atLimit.status);
		CPPUNIT_ASSERT_EQUAL(R"({"key":")" + notMine + R"(","value":7})", p2p::test::http(port(2), "GET", "/kv/" + notMine).body);
		CPPUNIT_ASSERT_EQUAL(400, p2p::test::http(port(1), "GET", "/kv/" + notMine, "", "application/json", {{"X-P2P-Hops", "many"}}).status);

		// Any JSON value, null included, survives the trip to the owner.
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(port(1), "PUT", "/kv/" + notMine, "null").status);
		CPPUNIT_ASSERT_EQUAL(R"({"key":")" + notMine + R"(","value":null})", p2p::test::http(port(1), "GET", "/kv/" + notMine).body);
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(port(1), "DELETE", "/kv/" + notMine).status);

		// Refused at the edge, never forwarded, nothing stored.
		CPPUNIT_ASSERT_EQUAL(400, p2p::test::http(port(1), "POST", "/kv", R"({"key": ")" + notMine + R"("})").status);
		CPPUNIT_ASSERT_EQUAL(400, p2p::test::http(port(1), "PUT", "/kv/" + notMine, "{oops").status);
		CPPUNIT_ASSERT_EQUAL(404, p2p::test::http(port(1), "GET", "/kv/" + notMine).status);

		// The replica endpoints check what they are sent.
		const std::pair<std::string, int> internal[] = {
			{R"({"key": "k", "value": "{oops", "timestamp": 5, "node": "n"})", 400},
			{R"({"key": "other", "value": "1", "timestamp": 5, "node": "n"})", 400},
			{R"({"key": "k", "value": "1", "timestamp": -1, "node": "n"})", 400}};
		for (const auto& [body, status] : internal)
			CPPUNIT_ASSERT_EQUAL_MESSAGE(body, status, p2p::test::http(port(1), "PUT", "/internal/kv/k", body).status);
		const HttpResult batch = p2p::test::http(port(1), "POST", "/internal/kv",
		                                         R"({"entries": [{"key": "good", "value": "1", "timestamp": 5, "node": "n"}, {"key": ""}]})");
		CPPUNIT_ASSERT_EQUAL(400, batch.status);
		CPPUNIT_ASSERT_EQUAL(404, p2p::test::http(port(1), "GET", "/internal/kv/good").status); // not half applied
	}

	void testRollingRestartLosesNoAcknowledgedWrite()
	{
		// A client writes through whichever nodes are up while every node in
		// turn is stopped (SIGTERM) and started again on its data directory.
		std::mutex portsMutex;
		std::vector<Poco::UInt16> ports;
		for (int k = 1; k <= 5; ++k) ports.push_back(port(k));
		std::atomic<bool> writing{true};
		std::mutex ackedMutex;
		std::vector<int> acknowledged;
		std::atomic<std::size_t> acked{0};
		std::thread writer([&] {
			for (int i = 0; writing && i < 100000; ++i)
			{
				Poco::UInt16 to;
				{
					std::lock_guard<std::mutex> lock(portsMutex);
					to = ports[static_cast<std::size_t>(i) % ports.size()];
				}
				try
				{
					const std::string body = R"({"key": ")" + key(i) + R"(", "value": )" + std::to_string(i) + "}";
					if (p2p::test::http(to, "POST", "/kv", body).status == 200)
					{
						std::lock_guard<std::mutex> lock(ackedMutex);
						acknowledged.push_back(i);
						++acked;
					}
				}
				catch (const Poco::Exception&)
				{
					// that node is restarting: not acknowledged
				}
			}
		});
		try
		{
			for (int k = 1; k <= 5; ++k)
			{
				const std::size_t before = acked;
				CPPUNIT_ASSERT(p2p::test::eventually([&] { return acked >= before + 50; }));
				_nodes[static_cast<std::size_t>(k - 1)]->terminate();
				CPPUNIT_ASSERT_EQUAL(0, _nodes[static_cast<std::size_t>(k - 1)]->waitForExit());
				startNode(k);
				{
					std::lock_guard<std::mutex> lock(portsMutex);
					ports[static_cast<std::size_t>(k - 1)] = port(k);
				}
				waitForRing(5);
				waitForUrlEverywhere(k); // it came back on another port
			}
		}
		catch (...)
		{
			writing = false;
			writer.join();
			throw;
		}
		writing = false;
		writer.join();
		CPPUNIT_ASSERT(acknowledged.size() > 250);
		for (int i : acknowledged)
		{
			const HttpResult read = p2p::test::http(port(1 + i % 5), "GET", "/kv/" + key(i));
			CPPUNIT_ASSERT_EQUAL_MESSAGE(key(i) + " was acknowledged and then lost: " + read.body, expectedBody(i), read.body);
		}
	}

private:
	void startNode(int k)
	{
		const auto index = static_cast<std::size_t>(k - 1);
		if (_data.size() <= index) _data.resize(index + 1);
		if (!_data[index]) _data[index] = std::make_unique<TempDir>();
		if (_nodes.size() <= index) _nodes.resize(index + 1);
		_nodes[index].reset(); // a stopped one
		_nodes[index] = std::make_unique<NodeProcess>(std::vector<std::string>{
			"-Dplugins.load=dht-router, kvstore", "-Dnode.id=node" + std::to_string(k),
			"-Dnode.data_dir=" + _data[index]->path(), "-Dcluster.bootstrap=http://127.0.0.1:" + std::to_string(_bootstrapPort),
			"-Dcluster.lease_renew_ms=300", "-Dkvstore.anti_entropy_interval_ms=3000", "-Dhttp.access_log=false"});
		_nodes[index]->waitUntilListening();
	}

	Poco::UInt16 port(int k) const { return _nodes.at(static_cast<std::size_t>(k - 1))->port(); }

	/// Every running node (but those in `except`) sees a ring of `size` nodes.
	void waitForRing(int size, std::set<int> except = {})
	{
		for (std::size_t i = 0; i < _nodes.size(); ++i)
		{
			const int k = static_cast<int>(i + 1);
			if (except.count(k) || !_nodes[i]) continue;
			CPPUNIT_ASSERT_MESSAGE("node" + std::to_string(k) + " never saw " + std::to_string(size) + " nodes",
			                       p2p::test::eventually([&] {
				                       const HttpResult ring = p2p::test::http(port(k), "GET", "/dht/ring");
				                       return ring.status == 200 && p2p::test::jsonObject(ring.body)->getValue<int>("nodes") == size;
			                       }, Poco::Timespan(20, 0)));
		}
	}

	/// Every running node's ring has node k at its current URL.
	void waitForUrlEverywhere(int k)
	{
		const std::string url = "\"http://127.0.0.1:" + std::to_string(port(k)) + "\"";
		for (std::size_t i = 0; i < _nodes.size(); ++i)
		{
			if (!_nodes[i]) continue;
			const int other = static_cast<int>(i + 1);
			CPPUNIT_ASSERT_MESSAGE("node" + std::to_string(other) + " never learned node" + std::to_string(k) + "'s new URL",
			                       p2p::test::eventually([&] {
				                       return p2p::test::http(port(other), "GET", "/dht/ring").body.find(url) != std::string::npos;
			                       }, Poco::Timespan(20, 0)));
		}
	}

	static std::string key(int i) { return "key-" + std::to_string(i); }
	static std::string expectedBody(int i) { return R"({"key":")" + key(i) + R"(","value":)" + std::to_string(i) + "}"; }

	void writeKeys(int count)
	{
		for (int i = 0; i < count; ++i)
		{
			const std::string body = R"({"key": ")" + key(i) + R"(", "value": )" + std::to_string(i) + "}";
			const HttpResult stored = p2p::test::http(port(1 + i % 5), "POST", "/kv", body);
			CPPUNIT_ASSERT_EQUAL_MESSAGE(key(i) + ": " + stored.body, 200, stored.status);
		}
	}

	double localKeys(int k) { return p2p::test::metricValue(port(k), "p2p_kvstore_keys"); }

	/// Live keys over all running nodes: 3 per key once every key has its three copies.
	double copies(std::set<int> except = {})
	{
		double sum = 0;
		for (std::size_t i = 0; i < _nodes.size(); ++i)
			if (_nodes[i] && !except.count(static_cast<int>(i + 1))) sum += localKeys(static_cast<int>(i + 1));
		return sum;
	}

	std::string keyNotOwnedBy(int k)
	{
		for (int i = 0;; ++i)
		{
			const std::string candidate = "probe-" + std::to_string(i);
			const std::string located = p2p::test::http(port(k), "GET", "/dht/locate/" + candidate).body;
			if (located.find("\"node" + std::to_string(k) + "\"") == std::string::npos) return candidate;
		}
	}

	std::unique_ptr<NodeProcess> _bootstrap;
	Poco::UInt16 _bootstrapPort = 0;
	std::vector<std::unique_ptr<TempDir>> _data;
	std::vector<std::unique_ptr<NodeProcess>> _nodes;
};

CPPUNIT_TEST_SUITE_REGISTRATION(ReplicatedKvTest);
