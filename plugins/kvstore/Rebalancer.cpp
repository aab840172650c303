#include "Rebalancer.h"
#include "TreeExchange.h"
#include "p2p/Errors.h"
#include <algorithm>
#include <map>
#include <set>

namespace p2p::kvstore {

namespace {

constexpr std::size_t kBatchEntries = 512;
/// A batch is sent when it holds this much value text (values are at most
/// http.max_body_bytes each, so a batch stays a few MiB at worst).
constexpr std::size_t kBatchBytes = 512 * 1024;
/// Versions (keys and stamps, some 70 bytes each) in one exchange, and
/// leaves: the answer holds the other side's values for those leaves, so
/// a node that lacks everything takes the data in sixteenths.
constexpr std::size_t kVersionsPerExchange = 4096;
constexpr std::size_t kLeavesPerExchange = DigestTree::kLeaves / 16;

struct Outbox
{
	Owner owner;
	KeyedEntries entries;
	std::size_t bytes = 0;
};

} // namespace

Rebalancer::Rebalancer(Store& local, std::string selfId, Replicas& remote, std::shared_ptr<const Placement> placement,
                       std::size_t replicas):
	_local(local),
	_remote(remote),
	_shared(local, std::move(selfId), std::move(placement), replicas)
{
}

Rebalancer::Pass Rebalancer::run()
{
	Pass pass;
	const Poco::UInt64 bytesBefore = _remote.syncBytes();
	std::map<std::string, Outbox> outboxes; // by owner id
	std::set<std::string> failed;
	const auto flush = [&](Outbox& box) {
		if (box.entries.empty()) return;
		if (!failed.count(box.owner.id))
		{
			try
			{
				push(box.owner, box.entries, pass);
			}
			catch (const Poco::Exception&)
			{
				failed.insert(box.owner.id); // its copies wait for the next pass
			}
		}
		box.entries.clear();
		box.bytes = 0;
	};

	// Copies to drop once their owners have them all: decided after the
	// last flush, when every batch to those owners has been acknowledged.
	std::vector<std::pair<std::string, Entry>> handoffs;
	std::vector<std::vector<std::string>> handoffOwners;
	const auto trees = _shared.trees(
		[&](const std::string& key, const Entry& entry, const std::vector<Owner>& owners) {
			std::vector<std::string> ids;
			for (const auto& owner : owners)
			{
				ids.push_back(owner.id);
				auto& box = outboxes.try_emplace(owner.id, Outbox{owner, {}, 0}).first->second;
				box.entries.emplace_back(key, entry);
				box.bytes += key.size() + entry.value.size();
				if (box.bytes >= kBatchBytes || box.entries.size() >= kBatchEntries) flush(box);
			}
			Entry version = entry;
			version.value.clear(); // erase() compares versions only
			handoffs.emplace_back(key, std::move(version));
			handoffOwners.push_back(std::move(ids));
		},
		[this] { return _stopped.load(); });
	for (auto& [id, box] : outboxes) flush(box);
	pass.entries = trees.entries;

	for (std::size_t i = 0; i < handoffs.size() && !_stopped; ++i)
	{
		const auto& owners = handoffOwners[i];
		const bool delivered = std::none_of(owners.begin(), owners.end(), [&](const std::string& id) { return failed.count(id) > 0; });
		if (delivered && _local.erase(handoffs[i].first, handoffs[i].second)) ++pass.handedOff;
	}

	for (const auto& [id, tree] : trees.byPeer)
	{
		if (_stopped) break;
		if (failed.count(id)) continue;
		try
		{
			reconcile(trees.peers.at(id), tree, pass);
			++pass.compared;
		}
		catch (const Poco::Exception&)
		{
			failed.insert(id); // compared again next pass
		}
	}
	pass.failedNodes = failed.size();
	pass.bytes = _remote.syncBytes() - bytesBefore;
	return pass;
}

void Rebalancer::reconcile(const Owner& peer, const DigestTree& tree, Pass& pass)
{
	TreeQuestion tops;
	tops.from = _shared.selfId();
	tops.digests = tree.tops();
	std::vector<std::size_t> leaves;
	for (const auto top : _remote.ask(peer, tops).differing)
	{
		if (top >= DigestTree::kTops)
			throw BadGatewayException("node " + peer.id + " named top " + std::to_string(top) + " of a tree of " +
			                          std::to_string(DigestTree::kTops));
		TreeQuestion under;
		under.step = TreeQuestion::Step::Leaves;
		under.from = _shared.selfId();
		under.top = top;
		under.digests = tree.leaves(top);
		const auto differing = _remote.ask(peer, under).differing;
		leaves.insert(leaves.end(), differing.begin(), differing.end());
	}
	pass.differingLeaves += leaves.size();
	if (leaves.empty()) return;
	// One scan for the versions in every leaf that differed, sent in
	// exchanges of whole leaves of at most kVersionsPerExchange keys.
	const auto byLeaf = _shared.versionsByLeaf(peer.id, std::set<std::size_t>(leaves.begin(), leaves.end()));
	std::size_t next = 0;
	while (next < leaves.size() && !_stopped)
	{
		TreeQuestion versions;
		versions.step = TreeQuestion::Step::Versions;
		versions.from = _shared.selfId();
		while (next < leaves.size() && versions.leaves.size() < kLeavesPerExchange &&
		       (versions.leaves.empty() || versions.versions.size() < kVersionsPerExchange))
		{
			const std::size_t leaf = leaves[next++];
			versions.leaves.push_back(leaf);
			const auto found = byLeaf.find(leaf);
			if (found != byLeaf.end()) versions.versions.insert(versions.versions.end(), found->second.begin(), found->second.end());
		}
		const TreeAnswer answer = _remote.ask(peer, versions);
		if (!answer.newer.empty())
		{
			// Last writer wins here as anywhere: what is older than ours is ignored.
			const auto applied = _local.applyAll(answer.newer);
			pass.received += static_cast<std::size_t>(std::count(applied.begin(), applied.end(), true));
		}
		KeyedEntries give;
		for (const auto& key : answer.wanted)
			if (auto entry = _local.get(key)) give.emplace_back(key, std::move(*entry));
		push(peer, give, pass);
	}
}

void Rebalancer::push(const Owner& peer, const KeyedEntries& entries, Pass& pass)
{
	if (entries.empty()) return;
	KeyedEntries batch;
	std::size_t bytes = 0;
	for (std::size_t i = 0; i < entries.size(); ++i)
	{
		batch.push_back(entries[i]);
		bytes += entries[i].first.size() + entries[i].second.value.size();
		if (bytes >= kBatchBytes || batch.size() >= kBatchEntries || i + 1 == entries.size())
		{
			_remote.push(peer, batch);
			pass.sent += batch.size();
			batch.clear();
			bytes = 0;
		}
	}
}

} // namespace p2p::kvstore
