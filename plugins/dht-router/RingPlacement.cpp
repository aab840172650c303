#include "RingPlacement.h"

namespace p2p::dhtrouter {

RingPlacement::RingPlacement(const Membership& membership, std::size_t slots): _membership(membership), _slots(slots)
{
	// Never without a ring: while one thread rebuilds, the others answer
	// from the previous ring, so there must be one from the start.
	_ring = build();
	_generation = 1;
	_stale = false;
}

std::shared_ptr<const HashRing> RingPlacement::build() const
{
	std::vector<Owner> nodes{{_membership.self().id, _membership.self().advertisedUrl}};
	// Suspects stay on the ring: most of them are alive, and moving their
	// keys away on every rumour would cost more than routing around them.
	for (const auto& member : _membership.members())
	{
		if (member.state != MemberState::Dead) nodes.push_back({member.id, member.url});
	}
	return std::make_shared<const HashRing>(nodes, _slots);
}

std::shared_ptr<const HashRing> RingPlacement::ring() const
{
	if (_stale.load())
	{
		Poco::FastMutex::ScopedLock rebuilding(_rebuildMutex);
		// Cleared before reading the view: a change during the build marks
		// the ring stale again and is picked up by the next lookup.
		if (_stale.exchange(false))
		{
			auto fresh = build();
			Poco::FastMutex::ScopedLock lock(_mutex);
			_ring = std::move(fresh);
			++_generation;
		}
	}
	Poco::FastMutex::ScopedLock lock(_mutex);
	return _ring;
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
