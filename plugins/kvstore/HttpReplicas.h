#ifndef P2P_KvStore_HttpReplicas_INCLUDED
#define P2P_KvStore_HttpReplicas_INCLUDED

#include "Replicas.h"
#include "p2p/PeerClient.h"

namespace p2p::kvstore {

/// Replicas over the other nodes' /internal/kv endpoints and the core's
/// pooled connections. Stateless; safe on any thread.
class HttpReplicas: public Replicas
{
public:
	static constexpr const char* kEntryPath = "/internal/kv/"; ///< + URL-encoded key
	static constexpr const char* kBatchPath = "/internal/kv";

	explicit HttpReplicas(PeerClient& peers);

	std::optional<Entry> read(const Owner& owner, const std::string& key) override;
	void write(const Owner& owner, const std::string& key, const Entry& entry) override;
	void push(const Owner& owner, const KeyedEntries& entries) override;

private:
	PeerClient& _peers;
};

} // namespace p2p::kvstore

#endif
