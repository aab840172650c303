#ifndef P2P_Gossip_Gossiper_INCLUDED
#define P2P_Gossip_Gossiper_INCLUDED

#include "FailureDetector.h"
#include "GossipTransport.h"
#include "RecentIds.h"
#include "Rumors.h"
#include <atomic>
#include <deque>
#include <map>
#include <set>

namespace p2p::gossip {

/// The gossip protocol of one node, without HTTP: what it does with a
/// message it receives, and what it does each period. Membership spreads
/// by push-pull exchanges with gossip.fanout random peers per period,
/// each carrying a bounded selection of entries (Rumors); failures are
/// found by SWIM probing (FailureDetector), the probe being the period's
/// first exchange; a node told it is suspected refutes with a higher
/// incarnation. The seed's messages (bare peer URLs with a TTL) are merged,
/// answered and forwarded to fanout random peers while their TTL lasts.
///
/// receive() runs on HTTP threads; round() and flush() on the plugin's
/// loop thread, one at a time. Shared state is the view (which locks), the
/// components (which lock), atomics, and the outbox under _mutex.
class Gossiper
{
public:
	struct Settings
	{
		std::size_t fanout = 3;
		int maxTtl = 5;
		std::size_t maxEntries = 64;    ///< members or peers in one message (gossip.max_peers_per_message)
		Poco::Timespan probeTimeout = Poco::Timespan(0, 500 * 1000);
		std::size_t indirectProbes = 3;
		Poco::Timespan suspectTimeout = Poco::Timespan(5, 0);
		Poco::Timespan deadRetention = Poco::Timespan(300, 0); ///< then a dead member leaves the view
		std::vector<std::string> seeds; ///< URLs to join through (cluster.seeds)
	};

	struct Stats
	{
		Poco::UInt64 rounds = 0;
		Poco::UInt64 sent = 0;
		Poco::UInt64 received = 0;
		Poco::UInt64 droppedTtl = 0;       ///< rumours that arrived with no forwards left
		Poco::UInt64 droppedDuplicate = 0; ///< rumours seen before
		Poco::UInt64 failedExchanges = 0;
		Poco::UInt64 probesFailed = 0;     ///< direct and indirect probes that all failed
	};

	Gossiper(Membership& view, GossipTransport& transport, Settings settings);

	/// A message from another node or a client; returns the answer, which
	/// takes a selection of rumours only when wantAnswer (an exchange).
	GossipMessage receive(GossipMessage message, bool wantAnswer = true);

	/// Probes target for another node's indirect probe.
	bool probe(const Member& target);

	/// One protocol period: expire suspicions, probe one member, exchange
	/// with the others of the fanout, introduce new peers, forget the long dead.
	void round();

	/// Tells fanout random peers that this node is leaving (itself dead at a
	/// new incarnation), so the network drops it at once rather than after
	/// a probe, a suspicion and its timeout.
	void leave();

	/// Sends the rumours receive() queued for forwarding.
	void flush();
	bool hasOutbox();

	/// This node as it gossips itself (its incarnation rises on refutation).
	Member self() const;
	Stats stats() const;
	FailureDetector& detector() { return _detector; }
	/// Keeps suspicion clocks and rumours: call with every change of the view.
	void observe(const MembershipEvent& event);

private:
	GossipMessage outgoing(int ttl);
	/// Merges what a message says; entries about this node may make it refute.
	void merge(const GossipMessage& message, bool direct);
	/// One exchange with url; merges the answer. Returns whether it answered,
	/// and was expectedId when one is given (a probe of a member).
	bool exchangeWith(const std::string& url, Poco::Timespan timeout, const std::string& expectedId = "");
	std::vector<Member> viewWithSelf() const;
	std::vector<Member> randomAlive(std::size_t k, const std::string& except);

	Membership& _view;
	GossipTransport& _transport;
	const Settings _settings;
	FailureDetector _detector;
	Rumors _rumors;
	RecentIds _seen{4096};
	std::atomic<Poco::UInt64> _incarnation{0};

	mutable Poco::FastMutex _mutex; ///< guards the outbox, the introductions and _random
	std::deque<std::pair<std::string, GossipMessage>> _outbox;
	std::set<std::string> _introductions; ///< URLs heard of, not yet known as members
	std::atomic<bool> _seedAnswered{false};
	std::mt19937 _random{std::random_device{}()};
	Poco::FastMutex _deadMutex;
	std::map<std::string, Poco::Timestamp> _deadSince; ///< when this node learned each death

	std::atomic<Poco::UInt64> _rounds{0}, _sent{0}, _received{0}, _droppedTtl{0}, _droppedDuplicate{0},
		_failedExchanges{0}, _probesFailed{0};
};

} // namespace p2p::gossip

#endif
