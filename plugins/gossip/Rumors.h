#ifndef P2P_Gossip_Rumors_INCLUDED
#define P2P_Gossip_Rumors_INCLUDED

#include "p2p/Membership.h"
#include <Poco/Mutex.h>
#include <map>
#include <random>

namespace p2p::gossip {

/// Which member entries a gossip message carries, so that a message stays
/// bounded however large the network while every change still reaches all
/// of it. A member that changed is carried by the next
/// multiplier * ceil(log2(N + 1)) messages this node sends (the
/// retransmission limit of SWIM's infection-style dissemination, Das et al.
/// 2002, section 4.1); the room left is filled with members picked at
/// random, so that views converge even while nothing changes.
/// Thread-safe (one mutex).
class Rumors
{
public:
	explicit Rumors(std::size_t multiplier = 3);

	/// id changed (joined, refuted, suspected, died ...): spread it again.
	void changed(const std::string& id, std::size_t networkSize);

	/// Up to max entries of view: the changed ones first, most
	/// transmissions left first, then members at random.
	std::vector<Member> select(const std::vector<Member>& view, std::size_t max);

	/// Changes still being spread.
	std::size_t pending();

private:
	const std::size_t _multiplier;
	Poco::FastMutex _mutex;
	std::map<std::string, std::size_t> _left; ///< transmissions left, by member id
	std::mt19937 _random{std::random_device{}()};
};

} // namespace p2p::gossip

#endif
