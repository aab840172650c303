#ifndef P2P_KvStore_SqliteStore_INCLUDED
#define P2P_KvStore_SqliteStore_INCLUDED

#include "Store.h"
#include <Poco/Data/Session.h>
#include <Poco/Data/SessionPool.h>
#include <Poco/Mutex.h>
#include <Poco/ThreadPool.h>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>

struct sqlite3;
struct sqlite3_stmt;

namespace p2p::kvstore {

/// Keys in one SQLite database file in WAL mode (kvstore.backend = sqlite,
/// the default), through POCO Data: they survive a restart. Writes go
/// through one session behind a mutex (SQLite has one writer anyway); the
/// last-writer-wins check is part of the upsert statement, so it is atomic
/// without a transaction of our own, and applyAll() puts a batch in one
/// transaction. Reads take a session from a pool and run in parallel,
/// which WAL allows (one shared session made GET /kv 0.28 of nginx in make
/// bench).
class SqliteStore: public Store
{
public:
	/// When a commit reaches the disk (kvstore.sync).
	enum class Sync
	{
		/// Before the next checkpoint: a power loss may lose the last
		/// commits, a crash of the process loses none (synchronous=NORMAL).
		Normal,
		/// Before the commit returns: an fsync per transaction (synchronous=FULL).
		Full
	};

	/// Opens or creates the database file; throws Poco::Data exceptions.
	/// With a pool, the WAL is checkpointed there (once it holds
	/// kCheckpointPages), never by a writer: a checkpoint syncs the
	/// database file, which a commit at Sync::Normal otherwise never waits
	/// for. Without one, SQLite's writer checkpoints as it goes.
	/// maxBytes > 0: the database file grows no larger (kvstore.max_mib);
	/// writes past it, like writes to a full disk, throw
	/// InsufficientStorageException (507) and keep nothing.
	explicit SqliteStore(const std::string& file, Sync sync = Sync::Normal, Poco::ThreadPool* checkpoints = nullptr,
	                     Poco::Int64 maxBytes = 0);
	~SqliteStore() override;

	/// SQLite's own automatic checkpoint threshold.
	static constexpr int kCheckpointPages = 1000;

	/// Whether a commit returns without waiting for the disk: then a writer
	/// may commit on any thread, an event loop's included.
	bool commitsWithoutWaiting() const { return _sync == Sync::Normal && _checkpoints; }

	std::optional<Entry> get(const std::string& key) override;
	bool apply(const std::string& key, const Entry& entry) override;
	std::vector<bool> applyAll(const std::vector<std::pair<std::string, Entry>>& entries) override;
	std::size_t size() override;
	std::vector<std::pair<std::string, Entry>> scan(const std::string& after, std::size_t limit) override;
	bool erase(const std::string& key, const Entry& version) override;
	Poco::UInt64 corruptEntries() const override { return _corrupt.load(); }

	/// What a row's checksum column holds for entry (never 0, which marks a
	/// row written before rows had checksums): a 64-bit hash of key, value,
	/// stamp and tombstone, the same in every version of the software.
	static Poco::Int64 checksum(const std::string& key, const Entry& entry);

private:
	/// Whether a row read back is whole; drops it (and counts it) when not.
	bool whole(const std::string& key, const Entry& entry, Poco::Int64 sum);
	/// The upsert of one entry on the writer session; under _mutex.
	bool upsert(const std::string& key, const Entry& entry);

	struct Finalize
	{
		void operator()(sqlite3_stmt* statement) const;
	};

	/// Called by SQLite after each commit: starts a checkpoint on the pool
	/// once the WAL is long enough and none runs.
	static int walCommitted(void* self, sqlite3* db, const char* name, int pages);
	void checkpoint();

	const Sync _sync;
	Poco::ThreadPool* const _checkpoints;
	std::mutex _checkpointMutex;
	std::condition_variable _checkpointed;
	bool _checkpointing = false;

	Poco::FastMutex _mutex;
	std::unique_ptr<Poco::Data::Session> _session; ///< the writer
	/// Prepared once on the writer's connection: parsing the statement
	/// again for every write cost more than running it.
	std::unique_ptr<sqlite3_stmt, Finalize> _upsert;
	std::unique_ptr<Poco::Data::SessionPool> _readers;
	std::atomic<Poco::UInt64> _corrupt{0};
};

} // namespace p2p::kvstore

#endif
