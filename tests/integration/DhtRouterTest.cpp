#include "TestSupport.h"
#include <cppunit/extensions/HelperMacros.h>
#include <csignal>
#include <fstream>

using p2p::test::TempDir;

/// dht-router on a real network started by p2p-cluster: every node builds
/// the same ring from its membership view and places keys alike.
class DhtRouterTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(DhtRouterTest);
	CPPUNIT_TEST(testEveryNodePlacesAKeyAlike);
	CPPUNIT_TEST(testRingFollowsAKilledNode);
	CPPUNIT_TEST(testLocateRejectsBadInput);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_dir = std::make_unique<TempDir>();
		_base = p2p::test::upClusterOnFreePorts(_dir->path(), {"--nodes", "5", "--plugins", "dht-router", "--define",
		                                                       "bootstrap.lease_seconds=2", "--define", "cluster.lease_renew_ms=300"});
	}

	void tearDown() override
	{
		p2p::test::runTool("p2p-cluster", {"down", "--dir", _dir->path(), "--grace", "5"});
		_dir.reset();
	}

	void testEveryNodePlacesAKeyAlike()
	{
		std::string responsible;
		for (int k = 1; k <= 5; ++k)
		{
			auto ring = p2p::test::jsonObject(p2p::test::http(port(k), "GET", "/dht/ring").body);
			CPPUNIT_ASSERT_EQUAL(5, ring->getValue<int>("nodes"));
			CPPUNIT_ASSERT_EQUAL(65537, ring->getValue<int>("slots"));
			auto located = p2p::test::jsonObject(p2p::test::http(port(k), "GET", "/dht/locate/my%2Fkey%20with%20spaces").body);
			CPPUNIT_ASSERT_EQUAL(std::string("my/key with spaces"), located->getValue<std::string>("key"));
			CPPUNIT_ASSERT_EQUAL(std::size_t(40), located->getValue<std::string>("hash").size());
			CPPUNIT_ASSERT_EQUAL(std::size_t(3), located->getArray("replicas")->size());
			const std::string id = located->getObject("responsible")->getValue<std::string>("id");
			if (k == 1) responsible = id;
			CPPUNIT_ASSERT_EQUAL(responsible, id);
		}
	}

	void testRingFollowsAKilledNode()
	{
		const int pid = pidOf("node4");
		CPPUNIT_ASSERT(pid > 0);
		::kill(pid, SIGKILL);
		CPPUNIT_ASSERT(p2p::test::eventually([&] {
			auto ring = p2p::test::jsonObject(p2p::test::http(port(1), "GET", "/dht/ring").body);
			return ring->getValue<int>("nodes") == 4;
		}, Poco::Timespan(15, 0)));
		const std::string ring = p2p::test::http(port(1), "GET", "/dht/ring").body;
		CPPUNIT_ASSERT(ring.find("\"node4\"") == std::string::npos);
	}

	void testLocateRejectsBadInput()
	{
		CPPUNIT_ASSERT_EQUAL(400, p2p::test::http(port(1), "GET", "/dht/locate/k?n=0").status);
		CPPUNIT_ASSERT_EQUAL(400, p2p::test::http(port(1), "GET", "/dht/locate/k?n=lots").status);
		CPPUNIT_ASSERT_EQUAL(400, p2p::test::http(port(1), "GET", "/dht/locate/" + std::string(1025, 'k')).status);
		auto located = p2p::test::jsonObject(p2p::test::http(port(1), "GET", "/dht/locate/k?n=64").body);
		CPPUNIT_ASSERT_EQUAL(std::size_t(5), located->getArray("replicas")->size()); // capped by the network
	}

private:
	Poco::UInt16 port(int node) const { return static_cast<Poco::UInt16>(_base + node); }

	int pidOf(const std::string& name) const
	{
		std::ifstream state(_dir->file("cluster.state"));
		std::string recorded;
		int pid = 0;
		std::string rest;
		while (state >> recorded >> pid && std::getline(state, rest))
		{
			if (recorded == name) return pid;
		}
		return 0;
	}

	std::unique_ptr<TempDir> _dir;
	int _base = 0;
};

CPPUNIT_TEST_SUITE_REGISTRATION(DhtRouterTest);
