#ifndef P2P_KvStore_SharedKeys_INCLUDED
#define P2P_KvStore_SharedKeys_INCLUDED

#include "DigestTree.h"
#include "Replicas.h"
#include <functional>
#include <map>
#include <memory>
#include <set>

namespace p2p::kvstore {

/// This node's keys as its fellow owners should hold them: for each other
/// node, the keys both own by the current ring. What anti-entropy compares
/// (a DigestTree per fellow owner) and exchanges (the versions in leaves
/// that differ). Every call scans the store a page at a time, holding no
/// lock between pages. Thread-safe as the store and placement are.
class SharedKeys
{
public:
	/// replicas: N, the owners of each key.
	SharedKeys(Store& local, std::string selfId, std::shared_ptr<const Placement> placement, std::size_t replicas);

	/// A key this node holds but does not own, with the nodes that do.
	using NotMine = std::function<void(const std::string& key, const Entry& entry, const std::vector<Owner>& owners)>;

	/// One scan: a tree for each other owner of the keys this node owns,
	/// who they are, and notMine for each key it holds without owning it.
	/// stopped ends the scan early (between pages).
	struct Trees
	{
		std::map<std::string, DigestTree> byPeer;
		std::map<std::string, Owner> peers;
		std::size_t entries = 0; ///< local entries scanned
	};
	Trees trees(const NotMine& notMine, const std::function<bool()>& stopped = {}) const;

	/// The tree of the keys this node shares with peer.
	DigestTree treeFor(const std::string& peer) const;

	/// The versions (values left out) of the keys this node shares with
	/// peer, by leaf: of the given leaves, or of every leaf when none is given.
	std::map<std::size_t, KeyedEntries> versionsByLeaf(const std::string& peer, const std::set<std::size_t>& leaves = {}) const;

	const std::string& selfId() const { return _selfId; }

private:
	/// Calls visit(key, entry, owners) for each local entry.
	void scan(const std::function<void(const std::string&, const Entry&, const std::vector<Owner>&)>& visit,
	          const std::function<bool()>& stopped = {}) const;

	Store& _local;
	const std::string _selfId;
	const std::shared_ptr<const Placement> _placement;
	const std::size_t _replicas;
};

} // namespace p2p::kvstore

#endif
