#include "Rebalancer.h"
#include <algorithm>
#include <map>
#include <set>

namespace p2p::kvstore {

namespace {

constexpr std::size_t kPageEntries = 512;
/// A batch is sent when it holds this much value text (values are at most
/// http.max_body_bytes each, so a batch stays a few MiB at worst).
constexpr std::size_t kBatchBytes = 512 * 1024;

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
	_selfId(std::move(selfId)),
	_remote(remote),
	_placement(std::move(placement)),
	_replicas(replicas)
{
}

Rebalancer::Pass Rebalancer::run()
{
	Pass pass;
	std::map<std::string, Outbox> outboxes; // by owner id
	std::set<std::string> failed;
	const auto flush = [&](Outbox& box) {
		if (box.entries.empty()) return;
		if (!failed.count(box.owner.id))
		{
			try
			{
				_remote.push(box.owner, box.entries);
				pass.sent += box.entries.size();
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

	std::string after;
	while (!_stopped)
	{
		const auto page = _local.scan(after, kPageEntries);
		if (page.empty()) break;
		after = page.back().first;
		for (const auto& [key, entry] : page)
		{
			++pass.entries;
			const auto owners = _placement->preferenceList(key, _replicas);
			bool mine = false;
			std::vector<std::string> ids;
			for (const auto& owner : owners)
			{
				ids.push_back(owner.id);
				if (owner.id == _selfId)
				{
					mine = true;
					continue;
				}
				auto& box = outboxes.try_emplace(owner.id, Outbox{owner, {}, 0}).first->second;
				box.entries.emplace_back(key, entry);
				box.bytes += key.size() + entry.value.size();
				if (box.bytes >= kBatchBytes || box.entries.size() >= kPageEntries) flush(box);
			}
			if (!mine)
			{
				Entry version = entry;
				version.value.clear(); // erase() compares versions only
				handoffs.emplace_back(key, std::move(version));
				handoffOwners.push_back(std::move(ids));
			}
		}
	}
	for (auto& [id, box] : outboxes) flush(box);

	for (std::size_t i = 0; i < handoffs.size() && !_stopped; ++i)
	{
		const auto& owners = handoffOwners[i];
		const bool delivered = std::none_of(owners.begin(), owners.end(), [&](const std::string& id) { return failed.count(id) > 0; });
		if (delivered && _local.erase(handoffs[i].first, handoffs[i].second)) ++pass.handedOff;
	}
	pass.failedNodes = failed.size();
	return pass;
}

} // namespace p2p::kvstore
