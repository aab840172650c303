#include "Coordinator.h"
#include "FakeReplicas.h"
#include <cppunit/extensions/HelperMacros.h>

using p2p::kvstore::Coordinator;
using p2p::kvstore::Entry;
using p2p::kvstore::Owner;
using p2p::kvstore::QuorumSettings;

class CoordinatorTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(CoordinatorTest);
	CPPUNIT_TEST(testWriteReachesEveryOwner);
	CPPUNIT_TEST(testWriteUsesAStandInForAFailedOwner);
	CPPUNIT_TEST(testWriteWithoutQuorumFailsNamingTheNodes);
	CPPUNIT_TEST(testWriteReturnsAtQuorumWithoutWaitingForTheSlowest);
	CPPUNIT_TEST(testSlowQuorumTimesOut);
	CPPUNIT_TEST(testReadReturnsNewestAndRepairsStaleOwners);
	CPPUNIT_TEST(testReadAsksAnotherNodeWhenOneFails);
	CPPUNIT_TEST(testReadWithoutQuorumFails);
	CPPUNIT_TEST(testAMissAsksEveryCandidateBeforeItIsFinal);
	CPPUNIT_TEST(testQuorumsAreClampedToTheNetwork);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_pool = std::make_unique<Poco::ThreadPool>(2, 16);
		_replicas = std::make_unique<FakeReplicas>();
	}

	void tearDown() override
	{
		_replicas->release();
		_pool->joinAll(); // before the coordinator its jobs call goes
		_coordinator.reset();
	}

	void testWriteReachesEveryOwner()
	{
		auto coordinator = make();
		coordinator->write("k", entry("1", 10), candidates("a", "b", "c", "d"));
		_pool->joinAll();
		for (const char* id : {"a", "b", "c"}) CPPUNIT_ASSERT_EQUAL(std::string("1"), _replicas->node(id).get("k")->value);
		CPPUNIT_ASSERT(!_replicas->node("d").get("k")); // stand-ins only when needed
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(0), coordinator->standIns());
	}

	void testWriteUsesAStandInForAFailedOwner()
	{
		_replicas->down("b");
		auto coordinator = make();
		coordinator->write("k", entry("1", 10), candidates("a", "b", "c", "d"));
		_pool->joinAll();
		CPPUNIT_ASSERT(_replicas->node("c").get("k"));
		CPPUNIT_ASSERT(_replicas->node("d").get("k")); // keeps b's copy for it
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(1), coordinator->standIns());
	}

	void testWriteWithoutQuorumFailsNamingTheNodes()
	{
		for (const char* id : {"b", "c", "d"}) _replicas->down(id);
		auto coordinator = make();
		try
		{
			coordinator->write("k", entry("1", 10), candidates("a", "b", "c", "d"));
			CPPUNIT_FAIL("a write that one node of three took must not be acknowledged");
		}
		catch (const p2p::ServiceUnavailableException& exc)
		{
			CPPUNIT_ASSERT(exc.message().find("1 of the 2 replicas") != std::string::npos);
			CPPUNIT_ASSERT(exc.message().find("kvstore.write_quorum") != std::string::npos);
			CPPUNIT_ASSERT(exc.message().find("cannot reach node b") != std::string::npos);
			CPPUNIT_ASSERT(exc.message().find("cannot reach node d") != std::string::npos);
		}
	}

	void testWriteReturnsAtQuorumWithoutWaitingForTheSlowest()
	{
		_replicas->hold("c");
		auto coordinator = make();
		coordinator->write("k", entry("1", 10), candidates("a", "b", "c"));
		CPPUNIT_ASSERT(!_replicas->node("c").get("k")); // still held: the client did not wait for it
		_replicas->release();
		_pool->joinAll();
		CPPUNIT_ASSERT(_replicas->node("c").get("k"));
	}

	void testSlowQuorumTimesOut()
	{
		_replicas->hold("b");
		_replicas->hold("c");
		QuorumSettings quick;
		quick.timeout = Poco::Timespan(50 * Poco::Timespan::MILLISECONDS);
		auto coordinator = make(quick);
		CPPUNIT_ASSERT_THROW(coordinator->write("k", entry("1", 10), candidates("a", "b", "c")),
		                     p2p::GatewayTimeoutException);
	}

	void testReadReturnsNewestAndRepairsStaleOwners()
	{
		_replicas->node("a").apply("k", entry("old", 10));
		_replicas->node("b").apply("k", entry("new", 20));
		auto coordinator = make();
		const auto got = coordinator->read("k", candidates("a", "b", "c"));
		CPPUNIT_ASSERT(got);
		CPPUNIT_ASSERT_EQUAL(std::string("new"), got->value);
		_pool->joinAll();
		CPPUNIT_ASSERT_EQUAL(std::string("new"), _replicas->node("a").get("k")->value);
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(1), coordinator->readRepairs());
		CPPUNIT_ASSERT(!_replicas->node("c").get("k")); // not asked: R = 2; rebalancing fixes it
	}

	void testReadAsksAnotherNodeWhenOneFails()
	{
		_replicas->down("b");
		_replicas->node("c").apply("k", entry("v", 10));
		auto coordinator = make();
		const auto got = coordinator->read("k", candidates("a", "b", "c"));
		CPPUNIT_ASSERT(got);
		CPPUNIT_ASSERT_EQUAL(std::string("v"), got->value);
	}

	void testReadWithoutQuorumFails()
	{
		_replicas->down("b");
		_replicas->down("c");
		auto coordinator = make();
		CPPUNIT_ASSERT_THROW(coordinator->read("k", candidates("a", "b", "c")), p2p::ServiceUnavailableException);
	}

	void testAMissAsksEveryCandidateBeforeItIsFinal()
	{
		// Written while the ring was different: only a stand-in has it.
		_replicas->node("e").apply("k", entry("moved", 10));
		auto coordinator = make();
		const auto got = coordinator->read("k", candidates("a", "b", "c", "d", "e"));
		CPPUNIT_ASSERT(got);
		CPPUNIT_ASSERT_EQUAL(std::string("moved"), got->value);
		_pool->joinAll();
		CPPUNIT_ASSERT(_replicas->node("a").get("k")); // the owners that answered are repaired
		CPPUNIT_ASSERT(_replicas->node("b").get("k"));
		CPPUNIT_ASSERT(!coordinator->read("absent", candidates("a", "b", "c", "d", "e")));
	}

	void testQuorumsAreClampedToTheNetwork()
	{
		auto coordinator = make(); // N = 3, W = 2, R = 2 on a network of one
		coordinator->write("k", entry("1", 10), candidates("a"));
		CPPUNIT_ASSERT_EQUAL(std::string("1"), coordinator->read("k", candidates("a"))->value);
		CPPUNIT_ASSERT_EQUAL(0, _replicas->calls());
	}

private:
	Coordinator* make(QuorumSettings settings = {})
	{
		_coordinator = std::make_unique<Coordinator>(_replicas->node("a"), "a", *_replicas, *_pool, settings);
		return _coordinator.get();
	}

	template <class... Ids>
	static std::vector<Owner> candidates(Ids... ids)
	{
		return {Owner{ids, std::string("http://") + ids}...};
	}

	static Entry entry(const std::string& value, Poco::Int64 timestamp)
	{
		Entry e;
		e.value = value;
		e.timestamp = timestamp;
		e.node = "a";
		return e;
	}

	std::unique_ptr<Poco::ThreadPool> _pool;
	std::unique_ptr<FakeReplicas> _replicas;
	std::unique_ptr<Coordinator> _coordinator;
};

CPPUNIT_TEST_SUITE_REGISTRATION(CoordinatorTest);
