#include "RingPlacement.h"

namespace p2p::dhtrouter {

RingPlacement::RingPlacement(const Membership& membership, std::size_t slots): _membership(membership), _slots(slots)
{
	// Never without a ring: while one thread rebuilds, the others answer
	// from the previous ring, so there must be one from the start.
	const Snapshot first = build();
	_ring = first.ring;
	_suspects = first.suspects;
	_generation = 1;
	_stale = false;
}

RingPlacement::Snapshot RingPlacement::build() const
{
	std::vector<Owner> nodes{{_membership.self().id, _membership.self().advertisedUrl}};
	auto suspects = std::make_shared<std::set<std::string>>();
	// Suspects stay on the ring: most of them are alive, and moving their
	// keys away on every rumour would cost more than routing around them.
	for (const auto& member : _membership.members())
	{
		if (member.state != MemberState::Dead) nodes.push_back({member.id, member.url});
		if (member.state == MemberState::Suspect) suspects->insert(member.id);
	}
	return {std::make_shared<const HashRing>(nodes, _slots), std::move(suspects)};
}

std::shared_ptr<const HashRing> RingPlacement::ring() const
{
	return current().ring;
}

std::shared_ptr<const std::set<std::string>> RingPlacement::suspects() const
{
	return current().suspects;
}

RingPlacement::Snapshot RingPlacement::current() const
{
	if (_stale.load())
	{
		Poco::FastMutex::ScopedLock rebuilding(_rebuildMutex);
		// Cleared before reading the view: a change during the build marks
		// the ring stale again and is picked up by the next lookup.
		if (_stale.exchange(false))
		{
			Snapshot fresh = build();
			Poco::FastMutex::ScopedLock lock(_mutex);
			_ring = std::move(fresh.ring);
			_suspects = std::move(fresh.suspects);
			++_generation;
		}
	}
	Poco::FastMutex::ScopedLock lock(_mutex);
	return {_ring, _suspects};
}

Poco::UInt64 RingPlacement::generation() const
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	return _generation;
}

std::vector<Placement::Owner> RingPlacement::preferenceList(const std::string& key, std::size_t n) const
{
	return ring()->preferenceList(key, n);
}

Placement::Owner RingPlacement::responsible(const std::string& key) const
{
	// The ring always holds this node, so the list is never empty.
	return ring()->preferenceList(key, 1).front();
}

} // namespace p2p::dhtrouter
