#ifndef P2P_KvStore_HttpReplicas_INCLUDED
#define P2P_KvStore_HttpReplicas_INCLUDED

#include "BatchedWrites.h"
#include "Replicas.h"
#include "p2p/PeerClient.h"
#include <atomic>
#include <Poco/ThreadPool.h>

namespace p2p::kvstore {

/// Replicas over the other nodes' /internal/kv endpoints: from an event
/// loop through PeerClient::sendAsync() (writes in batches, BatchedWrites),
/// otherwise on the pool through the core's pooled blocking connections.
/// Safe on any thread.
class HttpReplicas: public Replicas
{
public:
	static constexpr const char* kEntryPath = "/internal/kv/"; ///< + URL-encoded key
	static constexpr const char* kBatchPath = "/internal/kv";
	static constexpr const char* kTreePath = "/internal/kv/tree";

	HttpReplicas(PeerClient& peers, Poco::ThreadPool& pool);

	void read(const Owner& owner, const std::string& key, const Via& via, ReadDone done) override;
	void write(const Owner& owner, const std::string& key, const Entry& entry, const Via& via, WriteDone done) override;
	void push(const Owner& owner, const KeyedEntries& entries) override;
	TreeAnswer ask(const Owner& owner, const TreeQuestion& question) override;
	Poco::UInt64 syncBytes() const override { return _syncBytes.load(); }
	Poco::Timespan hedgeDelay() const override { return _peers.hedgeDelay(); }

private:
	/// The owner's answer, or the exception it stands for.
	using Answered = std::function<void(PeerResponse* answer, const Poco::Exception* error)>;
	void exchange(const Owner& owner, const std::string& method, const std::string& path, std::string body,
	              const Via& via, Answered answered);

	PeerClient& _peers;
	std::atomic<Poco::UInt64> _syncBytes{0};
	Poco::ThreadPool& _pool;
	BatchedWrites _batches;
};

} // namespace p2p::kvstore

#endif
