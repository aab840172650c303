#include "FakeReplicas.h"
#include "Rebalancer.h"
#include "../dht-router/TestRing.h"
#include <cppunit/extensions/HelperMacros.h>

using p2p::kvstore::Entry;
using p2p::kvstore::Rebalancer;

class RebalancerTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(RebalancerTest);
	CPPUNIT_TEST(testEveryKeyReachesEveryOwner);
	CPPUNIT_TEST(testKeysThisNodeNoLongerOwnsAreHandedOff);
	CPPUNIT_TEST(testNothingIsDroppedWhileAnOwnerIsDown);
	CPPUNIT_TEST(testAloneThereIsNothingToDo);
	CPPUNIT_TEST(testOwnersInStepCompareTreeTopsOnly);
	CPPUNIT_TEST(testOnlyWhatDiffersTravels);
	CPPUNIT_TEST(testNewerVersionsComeBackFromFellowOwners);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_ring = std::make_unique<TestRing>();
		_replicas = std::make_unique<FakeReplicas>();
		for (int i = 0; i < kKeys; ++i) local().apply(key(i), entry(i));
	}

	void testEveryKeyReachesEveryOwner()
	{
		join({"b", "c", "d"});
		const auto pass = rebalancer(3).run();
		CPPUNIT_ASSERT_EQUAL(std::size_t(kKeys), pass.entries);
		for (int i = 0; i < kKeys; ++i)
		{
			int copies = 0;
			for (const auto& owner : _ring->placement()->preferenceList(key(i), 3))
			{
				const auto got = owner.id == "a" ? local().get(key(i)) : _replicas->node(owner.id).get(key(i));
				CPPUNIT_ASSERT_MESSAGE(key(i) + " missing on " + owner.id, got.has_value());
				++copies;
			}
			CPPUNIT_ASSERT_EQUAL(3, copies);
		}
	}

	void testKeysThisNodeNoLongerOwnsAreHandedOff()
	{
		join({"b", "c", "d", "e", "f"});
		const auto pass = rebalancer(2).run();
		std::size_t owned = 0;
		for (int i = 0; i < kKeys; ++i)
		{
			const auto owners = _ring->placement()->preferenceList(key(i), 2);
			const bool mine = owners[0].id == "a" || owners[1].id == "a";
			owned += mine ? 1 : 0;
			CPPUNIT_ASSERT_EQUAL(mine, local().get(key(i)).has_value());
			for (const auto& owner : owners)
				if (owner.id != "a") CPPUNIT_ASSERT(_replicas->node(owner.id).get(key(i)));
		}
		CPPUNIT_ASSERT(owned > 0 && owned < std::size_t(kKeys));
		CPPUNIT_ASSERT_EQUAL(std::size_t(kKeys) - owned, pass.handedOff);
	}

	void testNothingIsDroppedWhileAnOwnerIsDown()
	{
		join({"b", "c", "d", "e", "f"});
		_replicas->down("b");
		const auto pass = rebalancer(2).run();
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), pass.failedNodes);
		for (int i = 0; i < kKeys; ++i)
		{
			const auto owners = _ring->placement()->preferenceList(key(i), 2);
			const bool bOwns = owners[0].id == "b" || owners[1].id == "b";
			if (bOwns) CPPUNIT_ASSERT_MESSAGE(key(i) + " was dropped before b had it", local().get(key(i)).has_value());
		}
	}

	void testAloneThereIsNothingToDo()
	{
		const auto pass = rebalancer(3).run();
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), pass.sent);
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), pass.handedOff);
		CPPUNIT_ASSERT_EQUAL(std::size_t(kKeys), local().size());
		CPPUNIT_ASSERT_EQUAL(0, _replicas->calls());
	}

	void testOwnersInStepCompareTreeTopsOnly()
	{
		join({"b", "c", "d"});
		const auto first = rebalancer(3).run();
		CPPUNIT_ASSERT(first.sent > 0);
		const auto second = rebalancer(3).run();
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), second.compared);
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), second.differingLeaves);
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), second.sent + second.received);
		// 64 digests of 16 hex digits to each of three owners, and their
		// answers: a few KiB, whatever the number of keys.
		CPPUNIT_ASSERT_MESSAGE(std::to_string(second.bytes), second.bytes < 3 * 1400);
		CPPUNIT_ASSERT_MESSAGE(std::to_string(first.bytes) + " vs " + std::to_string(second.bytes),
		                       second.bytes * 20 < first.bytes);
	}

	void testOnlyWhatDiffersTravels()
	{
		join({"b", "c", "d"});
		rebalancer(3).run();
		// Ten writes that reached only this node (its fellow owners were cut off).
		for (int i = 0; i < 10; ++i) local().apply(key(i), entry(i, 5000));
		const auto pass = rebalancer(3).run();
		CPPUNIT_ASSERT_EQUAL(std::size_t(20), pass.sent); // each to its two other owners
		CPPUNIT_ASSERT(pass.differingLeaves <= 20);
		for (int i = 0; i < 10; ++i)
			for (const auto& owner : _ring->placement()->preferenceList(key(i), 3))
				if (owner.id != "a") CPPUNIT_ASSERT_EQUAL(Poco::Int64(5000 + i), _replicas->node(owner.id).get(key(i))->timestamp);
		CPPUNIT_ASSERT_MESSAGE(std::to_string(pass.bytes), pass.bytes < 64 * 1024);
	}

	void testNewerVersionsComeBackFromFellowOwners()
	{
		join({"b", "c", "d"});
		rebalancer(3).run();
		// A write this node missed, on one of the key's other owners.
		const auto owners = _ring->placement()->preferenceList(key(7), 3);
		const auto other = owners[0].id != "a" ? owners[0].id : owners[1].id;
		_replicas->node(other).apply(key(7), entry(7, 9000));
		const auto pass = rebalancer(3).run();
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), pass.received);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(9007), local().get(key(7))->timestamp);
	}

private:
	static constexpr int kKeys = 1200; // more than two pages

	Rebalancer& rebalancer(std::size_t replicas)
	{
		_replicas->setPlacement(_ring->placement(), replicas);
		_rebalancer = std::make_unique<Rebalancer>(local(), "a", *_replicas, _ring->placement(), replicas);
		return *_rebalancer;
	}

	p2p::kvstore::MemoryStore& local() { return _replicas->node("a"); }

	void join(std::initializer_list<const char*> ids) { _ring->join(ids); }

	static std::string key(int i) { return "key-" + std::to_string(i); }

	static Entry entry(int i, Poco::Int64 base = 1000)
	{
		Entry e;
		e.value = std::to_string(i);
		e.timestamp = base + i;
		e.node = "a";
		return e;
	}

	std::unique_ptr<TestRing> _ring;
	std::unique_ptr<FakeReplicas> _replicas;
	std::unique_ptr<Rebalancer> _rebalancer;
};

CPPUNIT_TEST_SUITE_REGISTRATION(RebalancerTest);
