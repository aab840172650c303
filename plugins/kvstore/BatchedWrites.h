#ifndef P2P_KvStore_BatchedWrites_INCLUDED
#define P2P_KvStore_BatchedWrites_INCLUDED

#include "Replicas.h"
#include "p2p/PeerClient.h"
#include <Poco/Timestamp.h>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace p2p::kvstore {

/// Replica writes to other nodes from the event loops, sent in batches: to
/// each node at most kWindow requests are in flight, writes that come
/// meanwhile queue, and the next request carries all of them (up to
/// kMaxEntries) to the node's batch endpoint, which commits them together.
/// Under light load a write goes alone and at once; under heavy load one
/// request carries many, so the cost of an HTTP exchange and of a commit is
/// shared, as etcd shares a Raft message and an fsync among proposals.
/// A batch that fails fails each of its writes, which then try their
/// stand-ins as they would alone.
///
/// Thread-safe; a batch's answer runs on the loop of its first write.
class BatchedWrites
{
public:
	static constexpr std::size_t kWindow = 2;
	static constexpr std::size_t kMaxEntries = 256;
	/// Bytes of entries in one request, well under what the endpoint takes.
	static constexpr std::size_t kMaxBytes = 1024 * 1024;

	BatchedWrites(PeerClient& peers, std::string path);

	/// via.loop must be set.
	void write(const Owner& owner, std::string entryJson, const Replicas::Via& via, Replicas::WriteDone done);

private:
	struct Pending
	{
		std::string json;
		AnswerLater loop;
		Poco::Timestamp deadline;
		Replicas::WriteDone done;
	};
	struct Node
	{
		std::deque<Pending> queued;
		std::size_t inFlight = 0;
	};

	/// Takes the next batch for a node off its queue, and the writes whose
	/// time ran out while they waited into expired; under _mutex.
	std::vector<Pending> take(Node& node, std::vector<Pending>& expired);
	/// Fails each of them with a timeout; not under _mutex.
	void expire(const Owner& owner, std::vector<Pending>& expired);
	void send(const Owner& owner, std::vector<Pending> batch);
	void answered(const Owner& owner, std::vector<Pending>& batch, PeerResponse* answer, const Poco::Exception* error);

	PeerClient& _peers;
	const std::string _path;
	std::mutex _mutex;
	std::map<std::string, Node> _nodes; ///< by URL
};

} // namespace p2p::kvstore

#endif
