#ifndef P2P_Dht_RingPlacement_INCLUDED
#define P2P_Dht_RingPlacement_INCLUDED

#include "HashRing.h"
#include "p2p/Membership.h"
#include "p2p/Placement.h"
#include <Poco/Mutex.h>
#include <atomic>
#include <memory>
#include <set>

namespace p2p::dhtrouter {

/// The Placement service: answers from the current ring, built from the
/// membership view (this node plus every member not dead). A change of the
/// view only marks the ring stale; the next lookup rebuilds it once, so the
/// hundred joins of a forming network cost one rebuild, not a hundred (one
/// takes a few milliseconds at a thousand nodes). Readers take a shared_ptr
/// to the ring under a short lock and then work without one.
class RingPlacement: public Placement
{
public:
	RingPlacement(const Membership& membership, std::size_t slots);

	std::vector<Owner> preferenceList(const std::string& key, std::size_t n) const override;
	Owner responsible(const std::string& key) const override;

	/// The view changed: rebuild before the next lookup.
	void invalidate() { _stale = true; }
	/// The current ring, rebuilt first if the view changed.
	std::shared_ptr<const HashRing> ring() const;
	/// Rebuilds so far (1 after construction).
	Poco::UInt64 generation() const;
	/// The members on the ring that are suspect, as of the current ring:
	/// requests go to their other owners first.
	std::shared_ptr<const std::set<std::string>> suspects() const;

private:
	struct Snapshot
	{
		std::shared_ptr<const HashRing> ring;
		std::shared_ptr<const std::set<std::string>> suspects;
	};
	Snapshot build() const;
	Snapshot current() const;

	const Membership& _membership;
	const std::size_t _slots;
	mutable std::atomic<bool> _stale{false};
	mutable Poco::FastMutex _rebuildMutex; ///< one rebuild at a time
	mutable Poco::FastMutex _mutex;        ///< guards the three below
	mutable std::shared_ptr<const HashRing> _ring;
	mutable std::shared_ptr<const std::set<std::string>> _suspects;
	mutable Poco::UInt64 _generation = 0;
};

} // namespace p2p::dhtrouter

#endif
