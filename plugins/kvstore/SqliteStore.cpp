#include "SqliteStore.h"
#include "PoolJob.h"
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/SQLiteException.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Data/Statement.h>
#include "p2p/Errors.h"
#include <algorithm>
#include <cerrno>
#include <sqlite3.h>

using namespace Poco::Data::Keywords;

namespace p2p::kvstore {

namespace {

/// Whether SQLite's last error on db was a full disk: SQLITE_FULL, or an
/// I/O error whose system error says so.
bool diskFull(sqlite3* db, int status)
{
	if ((status & 0xff) == SQLITE_FULL) return true;
	// The system error stays from the last failed call: it speaks only for an I/O error.
	const int errnum = sqlite3_system_errno(db);
	return (status & 0xff) == SQLITE_IOERR && (errnum == ENOSPC || errnum == EDQUOT);
}

/// A write that fails for want of space is the client's 507, not a 500: the
/// node works, its disk does not take more, and other owners may.
[[noreturn]] void rethrowWrite(sqlite3* db, const std::string& what)
{
	try
	{
		throw;
	}
	catch (const Poco::Data::SQLite::DatabaseFullException&)
	{
		throw InsufficientStorageException("the node's disk is full: " + what);
	}
	catch (const Poco::Data::SQLite::SQLiteException& exc)
	{
		if (diskFull(db, sqlite3_extended_errcode(db))) throw InsufficientStorageException("the node's disk is full: " + what);
		throw;
	}
}

} // namespace

SqliteStore::SqliteStore(const std::string& file, Sync sync, Poco::ThreadPool* checkpoints, Poco::Int64 maxBytes):
	_sync(sync),
	_checkpoints(checkpoints)
{
	Poco::Data::SQLite::Connector::registerConnector();
	_session = std::make_unique<Poco::Data::Session>("SQLite", file);
	std::string mode;
	// WAL: readers do not block the writer, and a crash loses no committed write.
	*_session << "PRAGMA journal_mode=WAL", into(mode), now;
	// In WAL mode NORMAL syncs at checkpoints only; FULL syncs the log at every commit.
	*_session << (sync == Sync::Full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL"), now;
	if (maxBytes > 0)
	{
		// A quota, enforced by SQLite itself: a write past it fails as on a
		// full disk, and nothing of it is kept.
		Poco::Int64 pageSize = 4096;
		*_session << "PRAGMA page_size", into(pageSize), now;
		*_session << "PRAGMA max_page_count = " + std::to_string(std::max<Poco::Int64>(1, maxBytes / pageSize)), now;
	}
	*_session << "CREATE TABLE IF NOT EXISTS kv ("
	             "key TEXT PRIMARY KEY, value TEXT NOT NULL, ts INTEGER NOT NULL, node TEXT NOT NULL, deleted INTEGER NOT NULL, "
	             "sum INTEGER NOT NULL DEFAULT 0)",
		now;
	// A database from before rows had checksums: its rows read as unchecked (0).
	int hasSum = 0;
	*_session << "SELECT COUNT(*) FROM pragma_table_info('kv') WHERE name = 'sum'", into(hasSum), now;
	if (hasSum == 0) *_session << "ALTER TABLE kv ADD COLUMN sum INTEGER NOT NULL DEFAULT 0", now;
	sqlite3_stmt* upsert = nullptr;
	sqlite3* db = Poco::Data::SQLite::Utility::dbHandle(*_session);
	const char* sql = "INSERT INTO kv (key, value, ts, node, deleted, sum) VALUES (?, ?, ?, ?, ?, ?) "
	                  "ON CONFLICT(key) DO UPDATE SET value = excluded.value, ts = excluded.ts, node = excluded.node, "
	                  "deleted = excluded.deleted, sum = excluded.sum "
	                  "WHERE excluded.ts > kv.ts OR (excluded.ts = kv.ts AND excluded.node > kv.node)";
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &upsert, nullptr) != SQLITE_OK)
		throw Poco::Data::SQLite::SQLiteException("cannot prepare the upsert", sqlite3_errmsg(db));
	_upsert.reset(upsert);
	// Replaces SQLite's automatic checkpoint, which would run on the writer.
	if (_checkpoints) sqlite3_wal_hook(db, &SqliteStore::walCommitted, this);
	// As many readers as HTTP threads may want one; idle ones close after a minute.
	_readers = std::make_unique<Poco::Data::SessionPool>("SQLite", file, 1, 256, 60);
}

SqliteStore::~SqliteStore()
{
	std::unique_lock<std::mutex> lock(_checkpointMutex);
	_checkpointed.wait(lock, [this] { return !_checkpointing; });
}

int SqliteStore::walCommitted(void* self, sqlite3*, const char*, int pages)
{
	auto& store = *static_cast<SqliteStore*>(self);
	if (pages < kCheckpointPages) return SQLITE_OK;
	{
		std::lock_guard<std::mutex> lock(store._checkpointMutex);
		if (store._checkpointing) return SQLITE_OK;
		store._checkpointing = true;
	}
	bool started = false;
	try
	{
		// Never here when the pool is full: this is the writer's thread,
		// maybe an event loop. The next commit past the threshold tries again.
		started = PoolJob::tryStart(*store._checkpoints, [&store] { store.checkpoint(); });
	}
	catch (const Poco::Exception&)
	{
		// as when full
	}
	if (!started)
	{
		std::lock_guard<std::mutex> lock(store._checkpointMutex);
		store._checkpointing = false;
		store._checkpointed.notify_all();
	}
	return SQLITE_OK;
}

void SqliteStore::checkpoint()
{
	try
	{
		// On a reader's connection: PASSIVE copies what it can without
		// waiting for readers or blocking the writer.
		Poco::Data::Session session(_readers->get());
		session << "PRAGMA wal_checkpoint(PASSIVE)", now;
	}
	catch (const Poco::Exception&)
	{
		// The next commit past the threshold tries again.
	}
	std::lock_guard<std::mutex> lock(_checkpointMutex);
	_checkpointing = false;
	_checkpointed.notify_all();
}

std::optional<Entry> SqliteStore::get(const std::string& key)
{
	Poco::Data::Session session(_readers->get());
	std::string k = key;
	Entry entry;
	int deleted = 0;
	Poco::Int64 sum = 0;
	Poco::Data::Statement select(session);
	select << "SELECT value, ts, node, deleted, sum FROM kv WHERE key = ?", use(k), into(entry.value), into(entry.timestamp),
		into(entry.node), into(deleted), into(sum);
	if (select.execute() == 0) return std::nullopt;
	entry.deleted = deleted != 0;
	if (!whole(key, entry, sum)) return std::nullopt;
	return entry;
}

bool SqliteStore::apply(const std::string& key, const Entry& entry)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	try
	{
		return upsert(key, entry);
	}
	catch (const Poco::Data::DataException&)
	{
		rethrowWrite(Poco::Data::SQLite::Utility::dbHandle(*_session), "cannot store key '" + key + "'");
	}
}

std::vector<bool> SqliteStore::applyAll(const std::vector<std::pair<std::string, Entry>>& entries)
{
	std::vector<bool> applied;
	applied.reserve(entries.size());
	Poco::FastMutex::ScopedLock lock(_mutex);
	_session->begin();
	try
	{
		for (const auto& [key, entry] : entries) applied.push_back(upsert(key, entry));
		_session->commit();
	}
	catch (...)
	{
		try
		{
			_session->rollback();
		}
		catch (const Poco::Exception&)
		{
			// the first error is the one the writers hear of
		}
		try
		{
			throw;
		}
		catch (const Poco::Data::DataException&)
		{
			rethrowWrite(Poco::Data::SQLite::Utility::dbHandle(*_session),
			             entries.size() == 1 ? "cannot store key '" + entries.front().first + "'"
			                                 : "cannot store a batch of " + std::to_string(entries.size()) + " keys");
		}
	}
	return applied;
}

bool SqliteStore::upsert(const std::string& key, const Entry& entry)
{
	sqlite3_stmt* statement = _upsert.get();
	sqlite3_reset(statement);
	// SQLITE_STATIC: the strings outlive the step below.
	sqlite3_bind_text(statement, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
	sqlite3_bind_text(statement, 2, entry.value.data(), static_cast<int>(entry.value.size()), SQLITE_STATIC);
	sqlite3_bind_int64(statement, 3, entry.timestamp);
	sqlite3_bind_text(statement, 4, entry.node.data(), static_cast<int>(entry.node.size()), SQLITE_STATIC);
	sqlite3_bind_int(statement, 5, entry.deleted ? 1 : 0);
	sqlite3_bind_int64(statement, 6, checksum(key, entry));
	const int status = sqlite3_step(statement);
	sqlite3* db = sqlite3_db_handle(statement);
	if (status != SQLITE_DONE)
	{
		const std::string why = sqlite3_errmsg(db);
		const bool full = diskFull(db, status);
		sqlite3_reset(statement);
		if (full) throw InsufficientStorageException("the node's disk is full: cannot store key '" + key + "' (" + why + ")");
		throw Poco::Data::SQLite::SQLiteException("cannot store key '" + key + "'", why);
	}
	const bool stored = sqlite3_changes(db) > 0;
	sqlite3_clear_bindings(statement);
	return stored;
}

Poco::Int64 SqliteStore::checksum(const std::string& key, const Entry& entry)
{
	// FNV-1a over every field, each ended by a byte no field holds, so that
	// moving a byte from one field to the next changes the sum.
	std::uint64_t hash = 14695981039346656037ULL;
	const auto add = [&hash](const std::string& field) {
		for (const unsigned char c : field) hash = (hash ^ c) * 1099511628211ULL;
		hash = (hash ^ 0xffU) * 1099511628211ULL;
	};
	add(key);
	add(entry.value);
	add(std::to_string(entry.timestamp));
	add(entry.node);
	add(entry.deleted ? "1" : "0");
	const auto sum = static_cast<Poco::Int64>(hash);
	return sum == 0 ? 1 : sum;
}

bool SqliteStore::whole(const std::string& key, const Entry& entry, Poco::Int64 sum)
{
	if (sum == 0 || sum == checksum(key, entry)) return true;
	++_corrupt;
	try
	{
		// Only this row as it was read: a good write that replaced it meanwhile stays.
		Poco::FastMutex::ScopedLock lock(_mutex);
		std::string k = key;
		Poco::Int64 damaged = sum;
		*_session << "DELETE FROM kv WHERE key = ? AND sum = ?", use(k), use(damaged), now;
	}
	catch (const Poco::Exception&)
	{
		// Dropped on the next read that finds it, then.
	}
	return false;
}

void SqliteStore::Finalize::operator()(sqlite3_stmt* statement) const
{
	sqlite3_finalize(statement);
}

std::size_t SqliteStore::size()
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	std::size_t count = 0;
	*_session << "SELECT COUNT(*) FROM kv WHERE deleted = 0", into(count), now;
	return count;
}

std::vector<std::pair<std::string, Entry>> SqliteStore::scan(const std::string& after, std::size_t limit)
{
	Poco::Data::Session session(_readers->get());
	std::string from = after;
	std::size_t count = limit;
	std::vector<std::pair<std::string, Entry>> page;
	// Until a page holds a whole row, or the keys end: a page of damaged
	// rows alone must not look like the end of the walk.
	while (page.empty())
	{
		std::vector<std::string> keys, values, nodes;
		std::vector<Poco::Int64> stamps, sums;
		std::vector<int> deleted;
		// The primary key's index serves the range; BINARY collation is bytewise, like std::string.
		session << "SELECT key, value, ts, node, deleted, sum FROM kv WHERE key > ? ORDER BY key LIMIT ?", use(from),
			use(count), into(keys), into(values), into(stamps), into(nodes), into(deleted), into(sums), now;
		if (keys.empty()) break;
		const std::string last = keys.back();
		page.reserve(keys.size());
		for (std::size_t i = 0; i < keys.size(); ++i)
		{
			Entry entry{std::move(values[i]), stamps[i], std::move(nodes[i]), deleted[i] != 0};
			// A damaged row is left out, as if missing: anti-entropy then finds
			// the leaf differs and brings a fellow owner's copy.
			if (whole(keys[i], entry, sums[i])) page.emplace_back(std::move(keys[i]), std::move(entry));
		}
		from = last;
	}
	return page;
}

bool SqliteStore::erase(const std::string& key, const Entry& version)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	std::string k = key;
	Poco::Int64 ts = version.timestamp;
	std::string node = version.node;
	Poco::Data::Statement remove(*_session);
	remove << "DELETE FROM kv WHERE key = ? AND ts = ? AND node = ?", use(k), use(ts), use(node);
	try
	{
		return remove.execute() > 0;
	}
	catch (const Poco::Data::DataException&)
	{
		rethrowWrite(Poco::Data::SQLite::Utility::dbHandle(*_session), "cannot drop key '" + key + "'");
	}
}

} // namespace p2p::kvstore
