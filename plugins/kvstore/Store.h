#ifndef P2P_KvStore_Store_INCLUDED
#define P2P_KvStore_Store_INCLUDED

#include <Poco/Types.h>
#include <optional>
#include <string>

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

	/// Keys with a live (not deleted) value.
	virtual std::size_t size() = 0;
};

} // namespace p2p::kvstore

#endif
