#ifndef P2P_KvStore_Store_INCLUDED
#define P2P_KvStore_Store_INCLUDED

#include <Poco/Types.h>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace p2p::kvstore {

/// One version of a key: its value as JSON text, stamped by the node that
/// coordinated the write. A delete is a version too (a tombstone), so it
/// wins over older writes that arrive later.
struct Entry
{
	std::string value; ///< JSON text; empty for a tombstone
	Poco::Int64 timestamp = 0; ///< microseconds since the epoch, from the coordinator's clock
	std::string node;          ///< the coordinator's id: breaks timestamp ties the same way everywhere
	bool deleted = false;

	/// Last writer wins on (timestamp, node id).
	bool newerThan(const Entry& other) const
	{
		return timestamp != other.timestamp ? timestamp > other.timestamp : node > other.node;
	}

	/// The same version: same stamp (a version's value never changes).
	bool sameVersion(const Entry& other) const { return timestamp == other.timestamp && node == other.node; }
};

/// Where a node keeps its keys. Implementations are thread-safe and apply
/// the last-writer-wins rule themselves, atomically, so concurrent writers
/// (clients, and later replicas) cannot undo a newer version.
class Store
{
public:
	virtual ~Store();

	/// The stored version, tombstones included; empty when the key was never written.
	virtual std::optional<Entry> get(const std::string& key) = 0;

	/// Stores entry unless the stored version is newer (or the same);
	/// returns whether it was stored.
	virtual bool apply(const std::string& key, const Entry& entry) = 0;

	/// apply() for each entry in order, all or none durable together where
	/// the backend has transactions (one commit, one sync for the batch);
	/// returns whether each was stored. This default applies them one by one.
	virtual std::vector<bool> applyAll(const std::vector<std::pair<std::string, Entry>>& entries);

	/// Keys with a live (not deleted) value.
	virtual std::size_t size() = 0;

	/// Up to limit entries, tombstones included, whose keys sort after
	/// `after` (bytewise), in key order: one page of a walk over every key
	/// that does not hold a lock between pages (re-replication).
	virtual std::vector<std::pair<std::string, Entry>> scan(const std::string& after, std::size_t limit) = 0;

	/// Removes key if its stored version is still `version` (same timestamp
	/// and node), so dropping a copy this node handed off can never drop a
	/// newer write that arrived meanwhile. Returns whether it removed.
	virtual bool erase(const std::string& key, const Entry& version) = 0;

	/// Stored entries found damaged (their checksum did not match) and
	/// dropped, so that a fellow owner's copy replaces them (read repair,
	/// anti-entropy); 0 for a store that cannot tell.
	virtual Poco::UInt64 corruptEntries() const { return 0; }
};

} // namespace p2p::kvstore

#endif
