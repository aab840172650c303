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
/// 3 and 4.2) with Lifeguard's suspicion (Dadgar, Phillips, Currey 2018,
/// section 4.2), without the network: whom to probe next, whom to ask for
/// an indirect probe, who accused a suspect, and when a suspicion has
/// lasted long enough to declare the member dead. The caller does the
/// probing and reports the outcome.
///
/// Targets come round-robin from a shuffled list of the members not dead,
/// reshuffled each time it is used up, so every member is probed within
/// two passes (section 4.3) rather than only in expectation.
///
/// A suspicion starts with the longest timeout and shrinks, on a log
/// scale, towards the shortest as independent accusers confirm it (nodes
/// whose own probes failed): one slow link or one overloaded prober can
/// no longer kill a member in a few seconds, while a member that really
/// died is accused by everyone that probes it and goes as fast as before.
/// Thread-safe (one mutex); the view locks for itself.
class FailureDetector
{
public:
	struct Timeouts
	{
		Poco::Timespan shortest = Poco::Timespan(5, 0); ///< with every confirmation (gossip.suspect_timeout_ms)
		Poco::Timespan longest = Poco::Timespan(30, 0); ///< with one accuser (x gossip.suspicion_max_mult)
		std::size_t confirmations = 2;                  ///< accusers after the first that give the shortest (at most 7)
	};

	/// A suspicion as this node holds it.
	struct Suspicion
	{
		std::string id;
		Poco::UInt64 incarnation = 0;
		std::vector<std::string> accusers; ///< first accuser first
		Poco::Timestamp since;
		Poco::Timespan timeout;            ///< as the accusers now make it
	};

	FailureDetector(Membership& view, Timeouts timeouts);

	/// Lifeguard's timeout for a suspicion with that many accusers (0 is
	/// taken as 1: a rumour that named none) in a network of `members`
	/// nodes, which cannot confirm with more than members - 2.
	static Poco::Timespan timeoutFor(const Timeouts& timeouts, std::size_t accusers, std::size_t members);

	/// The next member to probe, or nothing when no other member is known.
	std::optional<Member> nextTarget();

	/// Up to k members, other than target, to probe it indirectly.
	std::vector<Member> helpers(const Member& target, std::size_t k);

	/// No one could reach target: this node suspects it at the incarnation
	/// it had. Returns whether there is news: the view changed, or this node
	/// is a new accuser of a suspicion it held already.
	bool suspect(const Member& target);

	/// Accusers another node named for a suspicion of id at incarnation;
	/// returns whether any was new here (then it is news worth spreading).
	bool confirm(const std::string& id, Poco::UInt64 incarnation, const std::vector<std::string>& accusers);

	/// Who accused id, if this node holds it suspect at incarnation.
	std::vector<std::string> accusersOf(const std::string& id, Poco::UInt64 incarnation);

	/// Keeps the suspicion clocks: call with every change of the view.
	void observe(const MembershipEvent& event);

	/// Declares dead every suspect whose clock ran out by now; returns them.
	std::vector<Member> expire(const Poco::Timestamp& now = Poco::Timestamp());

	/// When the first running suspicion clock runs out, if one runs.
	std::optional<Poco::Timestamp> nextExpiry();

	/// Members whose suspicion clock runs.
	std::size_t suspects();
	std::vector<Suspicion> suspicions();

private:
	struct Clock
	{
		Poco::Timestamp since;
		Poco::UInt64 incarnation = 0;
		std::vector<std::string> accusers;
	};

	/// Adds accuser; whether it was new. Caller holds _mutex.
	bool addAccuser(Clock& clock, const std::string& accuser) const;
	/// Caller holds _mutex.
	Poco::Timespan timeoutOf(const Clock& clock) const;

	Membership& _view;
	const Timeouts _timeouts;
	Poco::FastMutex _mutex;
	std::vector<std::string> _order; ///< ids still to probe this pass
	std::map<std::string, Clock> _suspected;
	std::mt19937 _random{std::random_device{}()};
};

} // namespace p2p::gossip

#endif
