#ifndef P2P_Gossip_FailureDetector_INCLUDED
#define P2P_Gossip_FailureDetector_INCLUDED

#include "p2p/Membership.h"
#include <Poco/Mutex.h>
#include <Poco/Timespan.h>
#include <map>
#include <optional>
#include <random>

namespace p2p::gossip {

/// The bookkeeping of SWIM's failure detector (Das et al. 2002, sections
/// 3 and 4.2), without the network: whom to probe next, whom to ask for an
/// indirect probe, and when a suspicion has lasted long enough to declare
/// the member dead. The caller does the probing and reports the outcome.
///
/// Targets come round-robin from a shuffled list of the members not dead,
/// reshuffled each time it is used up, so every member is probed within
/// two passes (section 4.3) rather than only in expectation. A member in
/// state suspect, however this node learned it, is declared dead once
/// suspectTimeout passed without a refutation (a newer incarnation).
/// Thread-safe (one mutex); the view locks for itself.
class FailureDetector
{
public:
	FailureDetector(Membership& view, Poco::Timespan suspectTimeout);

	/// The next member to probe, or nothing when no other member is known.
	std::optional<Member> nextTarget();

	/// Up to k members, other than target, to probe it indirectly.
	std::vector<Member> helpers(const Member& target, std::size_t k);

	/// No one could reach target: suspect it at the incarnation it had.
	/// Returns whether the view changed.
	bool suspect(const Member& target);

	/// Keeps the suspicion clocks: call with every change of the view.
	void observe(const MembershipEvent& event);

	/// Declares dead every suspect whose clock ran out by now; returns them.
	std::vector<Member> expire(const Poco::Timestamp& now = Poco::Timestamp());

	/// When the first running suspicion clock runs out, if one runs.
	std::optional<Poco::Timestamp> nextExpiry();

	/// Members whose suspicion clock runs.
	std::size_t suspects();

private:
	Membership& _view;
	const Poco::Timespan _suspectTimeout;
	Poco::FastMutex _mutex;
	std::vector<std::string> _order; ///< ids still to probe this pass
	std::map<std::string, std::pair<Poco::Timestamp, Poco::UInt64>> _suspected; ///< since when, at which incarnation
	std::mt19937 _random{std::random_device{}()};
};

} // namespace p2p::gossip

#endif
