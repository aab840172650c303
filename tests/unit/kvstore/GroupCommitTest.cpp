#include "GroupCommit.h"
#include "MemoryStore.h"
#include "p2p/Errors.h"
#include <Poco/Event.h>
#include <cppunit/extensions/HelperMacros.h>
#include <atomic>
#include <future>
#include <thread>

using p2p::kvstore::Entry;
using p2p::kvstore::GroupCommit;

namespace {

/// A MemoryStore whose first commit waits at a gate, so that writes pile
/// up behind it; it records every batch's size, and can be made to fail.
class GatedStore: public p2p::kvstore::MemoryStore
{
public:
	std::vector<bool> applyAll(const std::vector<std::pair<std::string, Entry>>& entries) override
	{
		{
			std::lock_guard<std::mutex> lock(_mutex);
			_batches.push_back(entries.size());
		}
		_entered.set();
		if (_closed.exchange(false)) _gate.wait();
		if (_failing) throw p2p::InsufficientStorageException("the disk is full");
		return MemoryStore::applyAll(entries);
	}

	void closeGate() { _closed = true; }
	void waitUntilEntered() { _entered.wait(); }
	void openGate() { _gate.set(); }
	void fail() { _failing = true; }

	std::vector<std::size_t> batches()
	{
		std::lock_guard<std::mutex> lock(_mutex);
		return _batches;
	}

private:
	std::mutex _mutex;
	std::vector<std::size_t> _batches;
	std::atomic<bool> _closed{false};
	std::atomic<bool> _failing{false};
	Poco::Event _entered;
	Poco::Event _gate;
};

Entry entry(const std::string& value, Poco::Int64 timestamp)
{
	Entry e;
	e.value = value;
	e.timestamp = timestamp;
	e.node = "a";
	return e;
}

} // namespace

class GroupCommitTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(GroupCommitTest);
	CPPUNIT_TEST(testWritesThatArriveTogetherShareACommit);
	CPPUNIT_TEST(testEachWriterHearsWhetherItsEntryWasStored);
	CPPUNIT_TEST(testAFailedCommitFailsEveryWriteInIt);
	CPPUNIT_TEST(testABatchIsBounded);
	CPPUNIT_TEST(testACommitThatDoesNotWaitRunsOnTheCaller);
	CPPUNIT_TEST(testManyWritesAreAnsweredOnceAllAreIn);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_pool = std::make_unique<Poco::ThreadPool>(1, 4);
		_store = std::make_unique<GatedStore>();
		_writes = std::make_unique<GroupCommit>(*_store, *_pool);
	}

	void tearDown() override
	{
		_store->openGate();
		_writes.reset(); // drains
		_pool->joinAll();
	}

	void testWritesThatArriveTogetherShareACommit()
	{
		_store->closeGate();
		std::atomic<int> done{0};
		const auto count = [&done](bool, const Poco::Exception*) { ++done; };
		_writes->apply("first", entry("1", 1), count);
		_store->waitUntilEntered(); // the first commit is on the disk, so to speak
		for (int i = 0; i < 10; ++i) _writes->apply("k" + std::to_string(i), entry("1", 1), count);
		_store->openGate();
		_writes->drain();
		CPPUNIT_ASSERT_EQUAL(11, done.load());
		CPPUNIT_ASSERT((_store->batches() == std::vector<std::size_t>{1, 10}));
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(2), _writes->commits());
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(11), _writes->writes());
		CPPUNIT_ASSERT_EQUAL(std::size_t(11), _store->size());
	}

	void testEachWriterHearsWhetherItsEntryWasStored()
	{
		CPPUNIT_ASSERT(_writes->applyNow("k", entry("new", 20)));
		CPPUNIT_ASSERT(!_writes->applyNow("k", entry("old", 10)));
		CPPUNIT_ASSERT_EQUAL(std::string("new"), _store->get("k")->value);
	}

	void testAFailedCommitFailsEveryWriteInIt()
	{
		_store->fail();
		std::promise<std::string> failure;
		_writes->apply("k", entry("1", 1), [&failure](bool applied, const Poco::Exception* error) {
			failure.set_value(!applied && error ? error->message() : "no error");
		});
		CPPUNIT_ASSERT_EQUAL(std::string("the disk is full"), failure.get_future().get());
		CPPUNIT_ASSERT_THROW(_writes->applyNow("k", entry("1", 1)), p2p::InsufficientStorageException);
		CPPUNIT_ASSERT(!_store->get("k"));
	}

	void testABatchIsBounded()
	{
		_store->closeGate();
		_writes->apply("first", entry("1", 1), [](bool, const Poco::Exception*) {});
		_store->waitUntilEntered();
		const std::size_t queued = GroupCommit::kMaxBatch + 5;
		for (std::size_t i = 0; i < queued; ++i) _writes->apply("k" + std::to_string(i), entry("1", 1), [](bool, const Poco::Exception*) {});
		_store->openGate();
		_writes->drain();
		CPPUNIT_ASSERT((_store->batches() == std::vector<std::size_t>{1, GroupCommit::kMaxBatch, 5}));
	}

	void testACommitThatDoesNotWaitRunsOnTheCaller()
	{
		GroupCommit here(*_store, *_pool, GroupCommit::Commits::OnCaller);
		std::thread::id committer;
		here.apply("k", entry("1", 1), [&committer](bool, const Poco::Exception*) { committer = std::this_thread::get_id(); });
		CPPUNIT_ASSERT(committer == std::this_thread::get_id()); // answered before apply() returned
		CPPUNIT_ASSERT_EQUAL(std::string("1"), _store->get("k")->value);
	}

	void testManyWritesAreAnsweredOnceAllAreIn()
	{
		std::promise<std::size_t> applied;
		_store->apply("b", entry("newer", 99));
		_writes->applyAll({{"a", entry("1", 1)}, {"b", entry("2", 1)}, {"c", entry("3", 1)}},
		                  [&applied](std::size_t stored, const Poco::Exception* error) { applied.set_value(error ? 99 : stored); });
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), applied.get_future().get()); // b kept its newer version
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(1), _writes->commits()); // one transaction
	}

private:
	std::unique_ptr<Poco::ThreadPool> _pool;
	std::unique_ptr<GatedStore> _store;
	std::unique_ptr<GroupCommit> _writes;
};

CPPUNIT_TEST_SUITE_REGISTRATION(GroupCommitTest);
