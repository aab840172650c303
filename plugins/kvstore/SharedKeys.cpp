#include "SharedKeys.h"
#include <algorithm>

namespace p2p::kvstore {

namespace {

constexpr std::size_t kPageEntries = 512;

bool owns(const std::vector<Owner>& owners, const std::string& id)
{
	return std::any_of(owners.begin(), owners.end(), [&](const Owner& owner) { return owner.id == id; });
}

} // namespace

SharedKeys::SharedKeys(Store& local, std::string selfId, std::shared_ptr<const Placement> placement, std::size_t replicas):
	_local(local),
	_selfId(std::move(selfId)),
	_placement(std::move(placement)),
	_replicas(replicas)
{
}

void SharedKeys::scan(const std::function<void(const std::string&, const Entry&, const std::vector<Owner>&)>& visit,
                      const std::function<bool()>& stopped) const
{
	std::string after;
	while (!stopped || !stopped())
	{
		const auto page = _local.scan(after, kPageEntries);
		if (page.empty()) return;
		after = page.back().first;
		for (const auto& [key, entry] : page) visit(key, entry, _placement->preferenceList(key, _replicas));
	}
}

SharedKeys::Trees SharedKeys::trees(const NotMine& notMine, const std::function<bool()>& stopped) const
{
	Trees trees;
	scan(
		[&](const std::string& key, const Entry& entry, const std::vector<Owner>& owners) {
			++trees.entries;
			if (!owns(owners, _selfId))
			{
				if (notMine) notMine(key, entry, owners);
				return;
			}
			for (const auto& owner : owners)
			{
				if (owner.id == _selfId) continue;
				trees.byPeer[owner.id].add(key, entry);
				trees.peers.try_emplace(owner.id, owner);
			}
		},
		stopped);
	return trees;
}

DigestTree SharedKeys::treeFor(const std::string& peer) const
{
	DigestTree tree;
	scan([&](const std::string& key, const Entry& entry, const std::vector<Owner>& owners) {
		if (owns(owners, _selfId) && owns(owners, peer)) tree.add(key, entry);
	});
	return tree;
}

std::map<std::size_t, KeyedEntries> SharedKeys::versionsByLeaf(const std::string& peer, const std::set<std::size_t>& leaves) const
{
	std::map<std::size_t, KeyedEntries> found;
	scan([&](const std::string& key, const Entry& entry, const std::vector<Owner>& owners) {
		const std::size_t leaf = DigestTree::leafOf(key);
		if ((!leaves.empty() && !leaves.count(leaf)) || !owns(owners, _selfId) || !owns(owners, peer)) return;
		auto& list = found[leaf];
		list.emplace_back(key, entry);
		list.back().second.value.clear();
	});
	return found;
}

} // namespace p2p::kvstore
