#ifndef P2P_Gossip_Broadcasts_INCLUDED
#define P2P_Gossip_Broadcasts_INCLUDED

#include <Poco/Mutex.h>
#include <Poco/Types.h>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace p2p::gossip {

/// The news this node still spreads: ids of members whose entry changed
/// (joined, suspected, died, refuted), each sent in at most
/// multiplier * ceil(log10(N + 1)) messages, fewest sends first, then
/// forgotten (the retransmission limit of SWIM's infection-style
/// dissemination, Das et al. 2002, section 4.1, with memberlist's base-10
/// logarithm: a thousand nodes send each change 4 x 4 = 16 times each).
/// What is sent is the member's entry at sending time, so a newer change of
/// the same member replaces the older one and starts its count again.
/// With nothing changed, nothing is queued and messages carry no entries:
/// gossip costs in proportion to change. Thread-safe (one mutex).
class Broadcasts
{
public:
	explicit Broadcasts(std::size_t multiplier = 4);

	/// id changed: spread it (again).
	void changed(const std::string& id);

	/// Up to max ids to send now, fewest sends (and newest) first; each
	/// counts as sent once. networkSize (this node included) sets the limit.
	/// fits, when given, is asked for each in that order and may refuse one
	/// (it does not fit the message): it is left for the next message.
	std::vector<std::string> take(std::size_t max, std::size_t networkSize,
	                              const std::function<bool(const std::string&)>& fits = {});

	/// Changes still being spread.
	std::size_t pending() const;
	/// How many messages carry each change in a network of networkSize.
	std::size_t limit(std::size_t networkSize) const;

private:
	struct Entry
	{
		std::size_t sends = 0;
		Poco::UInt64 queued = 0; ///< order of arrival: newer news first
	};

	const std::size_t _multiplier;
	mutable Poco::FastMutex _mutex;
	std::map<std::string, Entry> _entries;
	Poco::UInt64 _sequence = 0;
};

} // namespace p2p::gossip

#endif
