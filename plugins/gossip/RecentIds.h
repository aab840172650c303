#ifndef P2P_Gossip_RecentIds_INCLUDED
#define P2P_Gossip_RecentIds_INCLUDED

#include <Poco/Mutex.h>
#include <deque>
#include <string>
#include <unordered_set>

namespace p2p::gossip {

/// The ids of the last `capacity` gossip messages this node handled, so it
/// processes and forwards each message once. The oldest id is forgotten
/// first: a message that comes back after `capacity` others is new again,
/// which its TTL still bounds. Thread-safe (one mutex, O(1)).
class RecentIds
{
public:
	explicit RecentIds(std::size_t capacity);

	/// Records id; returns false when it was seen already.
	bool firstSight(const std::string& id);

	std::size_t size();

private:
	const std::size_t _capacity;
	Poco::FastMutex _mutex;
	std::unordered_set<std::string> _ids;
	std::deque<std::string> _order; ///< oldest first
};

} // namespace p2p::gossip

#endif
