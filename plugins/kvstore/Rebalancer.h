#ifndef P2P_KvStore_Rebalancer_INCLUDED
#define P2P_KvStore_Rebalancer_INCLUDED

#include "SharedKeys.h"
#include <atomic>
#include <memory>

namespace p2p::kvstore {

/// Puts every key this node holds on the nodes that own it now: after the
/// ring changes (a node joined, left or died) and every so often in case a
/// replica missed writes. One pass scans the local store once, a page at a
/// time, and
///  - sends each key this node does not own (any more, or took as a
///    stand-in for a failed owner: hinted handoff) to its owners in
///    batches, and drops it here once every owner has acknowledged it;
///  - compares, with each fellow owner, a Merkle tree of the keys both own
///    (DigestTree, TreeExchange): the tops, then the leaves under tops that
///    differ, then the versions in leaves that differ; each side then
///    takes what the other has newer. Replicas in step exchange 64 digests
///    and nothing else, so a pass costs the network in proportion to the
///    differences, not to the data.
///
/// Runs on one background thread at a time (the plugin's timer); stop()
/// from any thread ends a pass between two batches or exchanges.
class Rebalancer
{
public:
	struct Pass
	{
		std::size_t entries = 0;   ///< local entries looked at
		std::size_t sent = 0;      ///< copies sent to other owners
		std::size_t received = 0;  ///< newer versions taken from fellow owners
		std::size_t handedOff = 0; ///< entries dropped after their owners took them
		std::size_t compared = 0;  ///< fellow owners whose trees were compared
		std::size_t differingLeaves = 0;
		std::size_t failedNodes = 0;
		Poco::UInt64 bytes = 0;    ///< on the wire, both ways
	};

	/// replicas: N, the owners of each key.
	Rebalancer(Store& local, std::string selfId, Replicas& remote, std::shared_ptr<const Placement> placement,
	           std::size_t replicas);

	/// One pass over every local key. Nodes that fail are skipped (and
	/// their keys kept here) until the next pass.
	Pass run();

	void stop() { _stopped = true; }

	const SharedKeys& sharedKeys() const { return _shared; }

private:
	/// The tree exchange with one fellow owner; throws when it fails.
	void reconcile(const Owner& peer, const DigestTree& tree, Pass& pass);
	void push(const Owner& peer, const KeyedEntries& entries, Pass& pass);

	Store& _local;
	Replicas& _remote;
	const SharedKeys _shared;
	std::atomic<bool> _stopped{false};
};

} // namespace p2p::kvstore

#endif
