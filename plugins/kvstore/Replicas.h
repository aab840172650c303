#ifndef P2P_KvStore_Replicas_INCLUDED
#define P2P_KvStore_Replicas_INCLUDED

#include "Store.h"
#include "p2p/Placement.h"
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace p2p::kvstore {

using Owner = Placement::Owner;
using KeyedEntries = std::vector<std::pair<std::string, Entry>>;

/// The copies of keys that other nodes hold, as this node reaches them.
/// Kept apart from HTTP so the quorum and re-replication logic can be
/// tested without sockets. Implementations are thread-safe; every call
/// throws (BadGatewayException, GatewayTimeoutException ...) when the node
/// cannot be reached or refuses, with a message that names it.
class Replicas
{
public:
	virtual ~Replicas();

	/// The owner's version of key, tombstones included; empty when it has none.
	virtual std::optional<Entry> read(const Owner& owner, const std::string& key) = 0;

	/// Has the owner apply entry (last writer wins there).
	virtual void write(const Owner& owner, const std::string& key, const Entry& entry) = 0;

	/// Has the owner apply many entries at once.
	virtual void push(const Owner& owner, const KeyedEntries& entries) = 0;
};

} // namespace p2p::kvstore

#endif
