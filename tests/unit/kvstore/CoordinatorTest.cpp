#include "Coordinator.h"
#include "FakeReplicas.h"
#include <cppunit/extensions/HelperMacros.h>
#include <future>

using p2p::kvstore::Coordinator;
using p2p::kvstore::Entry;
using p2p::kvstore::GroupCommit;
using p2p::kvstore::Owner;
using p2p::kvstore::QuorumSettings;

class CoordinatorTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(CoordinatorTest);
	CPPUNIT_TEST(testWriteReachesEveryOwner);
	CPPUNIT_TEST(testWriteUsesAStandInForAFailedOwner);
	CPPUNIT_TEST(testWriteWithoutQuorumFailsNamingTheNodes);
	CPPUNIT_TEST(testWriteReturnsAtQuorumWithoutWaitingForTheSlowest);
	CPPUNIT_TEST(testAnOwnerFailingAfterTheQuorumHandsItsCopyToAStandIn);
	CPPUNIT_TEST(testOwnersThatTimeOutFailTheWriteAsATimeout);
	CPPUNIT_TEST(testNoStandInIsTriedWithoutTimeLeft);
	CPPUNIT_TEST(testExchangesAreBoundedByTheQuorumTimeout);
	CPPUNIT_TEST(testDrainWaitsForWritesBeyondTheQuorum);
	CPPUNIT_TEST(testReadReturnsNewestAndRepairsStaleOwners);
	CPPUNIT_TEST(testReadAsksAnotherNodeWhenOneFails);
	CPPUNIT_TEST(testReadWithoutQuorumFails);
	CPPUNIT_TEST(testAMissAsksEveryCandidateBeforeItIsFinal);
	CPPUNIT_TEST(testQuorumsAreClampedToTheNetwork);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_pool = std::make_unique<Poco::ThreadPool>(1, 8);
		_replicas = std::make_unique<FakeReplicas>();
		_writes = std::make_unique<GroupCommit>(_replicas->node("a"), *_pool);
	}

	void tearDown() override
	{
		_replicas->release();
		if (_coordinator) _coordinator->drain();
		_writes->drain();
		_pool->joinAll();
		_coordinator.reset();
		_writes.reset();
	}

	void testWriteReachesEveryOwner()
	{
		auto coordinator = make();
		write(*coordinator, "k", entry("1", 10), candidates("a", "b", "c", "d"));
		settle();
		for (const char* id : {"a", "b", "c"}) CPPUNIT_ASSERT_EQUAL(std::string("1"), _replicas->node(id).get("k")->value);
		CPPUNIT_ASSERT(!_replicas->node("d").get("k")); // stand-ins only when needed
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(0), coordinator->standIns());
	}

	void testWriteUsesAStandInForAFailedOwner()
	{
		_replicas->down("b");
		auto coordinator = make();
		write(*coordinator, "k", entry("1", 10), candidates("a", "b", "c", "d"));
		settle();
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
			write(*coordinator, "k", entry("1", 10), candidates("a", "b", "c", "d"));
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
		write(*coordinator, "k", entry("1", 10), candidates("a", "b", "c"));
		CPPUNIT_ASSERT(!_replicas->node("c").get("k")); // still held: the client did not wait for it
		_replicas->release();
		settle();
		CPPUNIT_ASSERT(_replicas->node("c").get("k"));
	}

	void testAnOwnerFailingAfterTheQuorumHandsItsCopyToAStandIn()
	{
		_replicas->hold("c");
		auto coordinator = make();
		write(*coordinator, "k", entry("1", 10), candidates("a", "b", "c", "d")); // a and b took it
		_replicas->down("c");
		_replicas->release(); // c fails now, after the client had its answer
		settle();
		CPPUNIT_ASSERT(_replicas->node("d").get("k")); // three copies still, one on a stand-in
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(1), coordinator->standIns());
	}

	void testOwnersThatTimeOutFailTheWriteAsATimeout()
	{
		_replicas->timeOut("b");
		_replicas->timeOut("c");
		auto coordinator = make();
		try
		{
			write(*coordinator, "k", entry("1", 10), candidates("a", "b", "c"));
			CPPUNIT_FAIL("a write two owners did not answer in time must not be acknowledged");
		}
		catch (const p2p::GatewayTimeoutException& exc)
		{
			CPPUNIT_ASSERT(exc.message().find("1 of the 2 replicas") != std::string::npos);
			CPPUNIT_ASSERT(exc.message().find("within 5000 ms") != std::string::npos);
		}
	}

	void testNoStandInIsTriedWithoutTimeLeft()
	{
		_replicas->down("b");
		_replicas->down("c");
		QuorumSettings none;
		none.timeout = 0; // gone before the first failure comes back
		auto coordinator = make(none);
		CPPUNIT_ASSERT_THROW(write(*coordinator, "k", entry("1", 10), candidates("a", "b", "c", "d", "e")),
		                     p2p::GatewayTimeoutException);
		CPPUNIT_ASSERT_EQUAL(2, _replicas->calls()); // d and e were not asked
	}

	void testExchangesAreBoundedByTheQuorumTimeout()
	{
		_replicas->down("b");
		QuorumSettings settings;
		settings.timeout = Poco::Timespan(2, 0);
		auto coordinator = make(settings);
		write(*coordinator, "k", entry("1", 10), candidates("a", "b", "c", "d"));
		settle();
		CPPUNIT_ASSERT(_replicas->longestWithin() <= settings.timeout);
		CPPUNIT_ASSERT(_replicas->shortestWithin() > 0); // the stand-in's: what was left, never "no limit"
	}

	void testDrainWaitsForWritesBeyondTheQuorum()
	{
		_replicas->hold("c");
		auto coordinator = make();
		write(*coordinator, "k", entry("1", 10), candidates("a", "b", "c"));
		auto drained = std::async(std::launch::async, [coordinator] { coordinator->drain(); });
		// c's write is in flight until released: drain cannot have returned.
		CPPUNIT_ASSERT(drained.wait_for(std::chrono::milliseconds(0)) == std::future_status::timeout);
		_replicas->release();
		drained.get();
		CPPUNIT_ASSERT(_replicas->node("c").get("k"));
	}

	void testReadReturnsNewestAndRepairsStaleOwners()
	{
		_replicas->node("a").apply("k", entry("old", 10));
		_replicas->node("b").apply("k", entry("new", 20));
		auto coordinator = make();
		const auto got = read(*coordinator, "k", candidates("a", "b", "c"));
		CPPUNIT_ASSERT(got);
		CPPUNIT_ASSERT_EQUAL(std::string("new"), got->value);
		settle();
		CPPUNIT_ASSERT_EQUAL(std::string("new"), _replicas->node("a").get("k")->value);
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(1), coordinator->readRepairs());
		CPPUNIT_ASSERT(!_replicas->node("c").get("k")); // not asked: R = 2; rebalancing fixes it
	}

	void testReadAsksAnotherNodeWhenOneFails()
	{
		_replicas->down("b");
		_replicas->node("c").apply("k", entry("v", 10));
		auto coordinator = make();
		const auto got = read(*coordinator, "k", candidates("a", "b", "c"));
		CPPUNIT_ASSERT(got);
		CPPUNIT_ASSERT_EQUAL(std::string("v"), got->value);
	}

	void testReadWithoutQuorumFails()
	{
		_replicas->down("b");
		_replicas->down("c");
		auto coordinator = make();
		CPPUNIT_ASSERT_THROW(read(*coordinator, "k", candidates("a", "b", "c")), p2p::ServiceUnavailableException);
	}

	void testAMissAsksEveryCandidateBeforeItIsFinal()
	{
		// Written while the ring was different: only a stand-in has it.
		_replicas->node("e").apply("k", entry("moved", 10));
		auto coordinator = make();
		const auto got = read(*coordinator, "k", candidates("a", "b", "c", "d", "e"));
		CPPUNIT_ASSERT(got);
		CPPUNIT_ASSERT_EQUAL(std::string("moved"), got->value);
		settle();
		CPPUNIT_ASSERT(_replicas->node("a").get("k")); // the owners that answered are repaired
		CPPUNIT_ASSERT(_replicas->node("b").get("k"));
		CPPUNIT_ASSERT(!read(*coordinator, "absent", candidates("a", "b", "c", "d", "e")));
	}

	void testQuorumsAreClampedToTheNetwork()
	{
		auto coordinator = make(); // N = 3, W = 2, R = 2 on a network of one
		write(*coordinator, "k", entry("1", 10), candidates("a"));
		CPPUNIT_ASSERT_EQUAL(std::string("1"), read(*coordinator, "k", candidates("a"))->value);
		CPPUNIT_ASSERT_EQUAL(0, _replicas->calls());
	}

private:
	Coordinator* make(QuorumSettings settings = {})
	{
		_coordinator = std::make_unique<Coordinator>(_replicas->node("a"), *_writes, "a", *_replicas, settings);
		return _coordinator.get();
	}

	/// Until every write and repair has landed.
	void settle()
	{
		_coordinator->drain();
		_writes->drain();
	}

	/// What a coordinator's callback got: the value, or its error.
	template <class T>
	struct Result
	{
		T value{};
		std::shared_ptr<Poco::Exception> error;
	};

	/// The coordinator's answer, as its client gets it; throws its error.
	static void write(Coordinator& coordinator, const std::string& key, const Entry& entry,
	                  const std::vector<Owner>& candidates)
	{
		std::promise<Result<bool>> done;
		coordinator.write(key, entry, candidates, std::nullopt, [&done](const Poco::Exception* error) {
			done.set_value({true, error ? std::shared_ptr<Poco::Exception>(error->clone()) : nullptr});
		});
		outcome(done.get_future());
	}

	static std::optional<Entry> read(Coordinator& coordinator, const std::string& key, const std::vector<Owner>& candidates)
	{
		std::promise<Result<std::optional<Entry>>> done;
		coordinator.read(key, candidates, std::nullopt, [&done](std::optional<Entry> newest, const Poco::Exception* error) {
			done.set_value({std::move(newest), error ? std::shared_ptr<Poco::Exception>(error->clone()) : nullptr});
		});
		return outcome(done.get_future());
	}

	template <class T>
	static T outcome(std::future<Result<T>> answer)
	{
		CPPUNIT_ASSERT(answer.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
		Result<T> result = answer.get();
		if (result.error) result.error->rethrow();
		return std::move(result.value);
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
	std::unique_ptr<GroupCommit> _writes;
	std::unique_ptr<Coordinator> _coordinator;
};

CPPUNIT_TEST_SUITE_REGISTRATION(CoordinatorTest);
