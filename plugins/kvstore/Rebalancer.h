#ifndef P2P_KvStore_Rebalancer_INCLUDED
#define P2P_KvStore_Rebalancer_INCLUDED

#include "Replicas.h"
#include <atomic>
#include <memory>

namespace p2p::kvstore {

/// Puts every key this node holds on the nodes that own it now: after the
/// ring changes (a node joined, left or died) and every so often in case a
/// replica missed writes. One pass walks the local store a page at a time
/// and sends each entry, in batches, to its other owners (re-replication:
/// a new owner gets its copies, a lagging one catches up; receivers keep
/// the newer version, so sending what they have costs bandwidth only). A key
/// this node no longer owns, or took as a stand-in for a failed owner
/// (hinted handoff), is dropped here once every owner has acknowledged it.
///
/// Runs on one background thread at a time (the plugin's timer); stop()
/// from any thread ends a pass between two batches.
class Rebalancer
{
public:
	struct Pass
	{
		std::size_t entries = 0;   ///< local entries looked at
		std::size_t sent = 0;      ///< copies sent to other owners
		std::size_t handedOff = 0; ///< entries dropped after their owners took them
		std::size_t failedNodes = 0;
	};

	/// replicas: N, the owners of each key.
	Rebalancer(Store& local, std::string selfId, Replicas& remote, std::shared_ptr<const Placement> placement,
	           std::size_t replicas);

	/// One pass over every local key. Nodes that fail are skipped (and
	/// their keys kept here) until the next pass.
	Pass run();

	void stop() { _stopped = true; }

private:
	Store& _local;
	const std::string _selfId;
	Replicas& _remote;
	const std::shared_ptr<const Placement> _placement;
	const std::size_t _replicas;
	std::atomic<bool> _stopped{false};
};

} // namespace p2p::kvstore

#endif
