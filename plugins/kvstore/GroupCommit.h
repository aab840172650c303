#ifndef P2P_KvStore_GroupCommit_INCLUDED
#define P2P_KvStore_GroupCommit_INCLUDED

#include "Store.h"
#include <Poco/Exception.h>
#include <Poco/ThreadPool.h>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

namespace p2p::kvstore {

/// This node's writes to its own store, committed together: a write joins
/// a queue, and one thread at a time applies everything queued in one
/// transaction (Store::applyAll), then tells each writer. Writes that
/// arrive together, from clients and from other nodes' replication, share
/// a commit, so with kvstore.sync = full a burst costs one fsync rather
/// than one per write, as etcd batches its fsyncs.
///
/// Where a commit runs is the store's to say. One that waits for the disk
/// (an fsync) runs on the pool, so the thread that handed the write in (an
/// event loop) never waits for it. One that does not (memory, or SQLite at
/// synchronous=NORMAL, whose checkpoints run elsewhere) runs on that thread
/// itself: handing it to the pool cost more than the commit, and on ten
/// nodes sharing two cores each handoff is a wait for a core (replicated
/// PUT p99 67 ms with the handoff, 16 ms without, memory backend).
///
/// Thread-safe. Callbacks run on the committing thread and must not throw.
class GroupCommit
{
public:
	/// applied: whether the store took the entry (last writer wins); error:
	/// why the batch failed, in which case nothing of it was stored.
	using Done = std::function<void(bool applied, const Poco::Exception* error)>;

	/// The most writes one transaction takes; more wait for the next.
	static constexpr std::size_t kMaxBatch = 1024;

	enum class Commits
	{
		OnCaller, ///< on the thread whose write starts the commit
		OnPool    ///< on a pool thread: for commits that wait for the disk
	};

	GroupCommit(Store& store, Poco::ThreadPool& pool, Commits where = Commits::OnPool);
	/// Commits what is queued first.
	~GroupCommit();

	GroupCommit(const GroupCommit&) = delete;
	GroupCommit& operator=(const GroupCommit&) = delete;

	void apply(std::string key, Entry entry, Done done);
	/// Many writes, in one transaction when they fit (kMaxBatch); done runs
	/// once with how many were stored, after the last is committed, or with
	/// the first error.
	void applyAll(std::vector<std::pair<std::string, Entry>> entries,
	              std::function<void(std::size_t applied, const Poco::Exception* error)> done);
	/// apply() for a thread that may wait: returns whether the store took
	/// it; throws what the commit threw.
	bool applyNow(const std::string& key, const Entry& entry);
	/// Returns once nothing is queued or being committed.
	void drain();

	/// Transactions committed, and the writes they held.
	Poco::UInt64 commits() const { return _commits.load(); }
	Poco::UInt64 writes() const { return _writes.load(); }

private:
	/// Queues one write; whether a commit must be started. Under _mutex.
	bool enqueue(std::string key, Entry entry, Done done);
	void startCommitting();

	struct Pending
	{
		std::string key;
		Entry entry;
		Done done;
	};

	/// Commits batches until the queue is empty, or hands what is left to
	/// the pool after `batches` of them (0: no limit).
	void commitWhileQueued(std::size_t batches);
	void commit(std::vector<Pending>& batch);

	Store& _store;
	Poco::ThreadPool& _pool;
	const Commits _where;
	std::mutex _mutex;
	std::condition_variable _idle;
	std::vector<Pending> _queue;
	bool _committing = false; ///< a thread is in commitWhileQueued()
	std::atomic<Poco::UInt64> _commits{0};
	std::atomic<Poco::UInt64> _writes{0};
};

} // namespace p2p::kvstore

#endif
