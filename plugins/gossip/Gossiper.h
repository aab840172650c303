#ifndef P2P_Gossip_Gossiper_INCLUDED
#define P2P_Gossip_Gossiper_INCLUDED

#include "Broadcasts.h"
#include "FailureDetector.h"
#include "Greeter.h"
#include "LocalHealth.h"
#include "RumourRelay.h"
#include "SyncSchedule.h"
#include <atomic>
#include <functional>
#include <future>
#include <map>

namespace p2p::gossip {

/// The gossip protocol of one node, without HTTP, after SWIM (Das, Gupta,
/// Motivala, DSN 2002) and memberlist:
///  - round(), every gossip.interval_ms: one probe of the next member in a
///    shuffled round-robin, indirect probes through others when it does not
///    answer, suspicion when they fail too (FailureDetector); a node whose
///    probes go unanswered stretches its periods and timeouts (health());
///  - spread(), every gossip.spread_interval_ms while there is news: the
///    news (Broadcasts) pushed to gossip.fanout random members. Probes and
///    their answers carry news too, so with nothing changed a period costs
///    one small probe and nothing else;
///  - a sync on joining and every gossip.sync_interval_ms: a digest
///    of the view to one random member, whole views exchanged only when the
///    digests differ, which heals what news missed;
///  - every gossip.reconnect_interval_ms, a sync with one member held dead,
///    so halves of a healed partition find each other again;
///  - joining through cluster.seeds or URLs a POST /gossip named: a sync;
///  - the seed's POST /gossip rumours: merged, answered, and passed on by
///    the RumourRelay.
/// News is a known member's changed state or address, however this node
/// learnt it, its own suspicions and verdicts, and its refutations. Joins
/// are not news: the Greeter tells every member of a first-filled view.
///
/// receive() runs on HTTP threads; round() on the plugin's probe thread,
/// spread() and flush() on its spread thread. Shared state is the view
/// (which locks), the components (which lock), atomics, and what _mutex
/// guards.
class Gossiper
{
public:
	struct Settings
	{
		std::size_t fanout = 3;
		int maxTtl = 5;
		std::size_t maxEntries = 64;    ///< news entries or peers in one message (gossip.max_peers_per_message)
		/// The most bytes a message of news takes in its text form (0: no
		/// bound), so that it fits one datagram.
		std::size_t maxMessageBytes = 0;
		Poco::Timespan probeTimeout = Poco::Timespan(0, 500 * 1000);
		std::size_t indirectProbes = 3;
		FailureDetector::Timeouts suspicion; ///< gossip.suspect_timeout_ms, suspicion_max_mult, suspicion_confirmations
		/// How often one member held dead is tried (gossip.reconnect_interval_ms).
		Poco::Timespan reconnectInterval = Poco::Timespan(2, 0);
		Poco::Timespan deadRetention = Poco::Timespan(300, 0); ///< then a dead member leaves the view
		Poco::Timespan syncInterval = Poco::Timespan(30, 0);   ///< gossip.sync_interval_ms
		std::size_t retransmitMultiplier = 4;                  ///< gossip.retransmit_mult
		std::size_t maxMembers = 10000; ///< the most entries a whole view may have (cluster.max_members)
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
		Poco::UInt64 syncs = 0;            ///< digests compared, as asker or asked
		Poco::UInt64 wholeViews = 0;       ///< whole views sent, because digests differed
		Poco::UInt64 fallbacks = 0;        ///< probes answered over HTTP only, their datagram lost
		Poco::UInt64 refutations = 0;      ///< rumours of this node's suspicion or death refuted
		Poco::UInt64 reconnects = 0;       ///< members held dead that answered a sync
		Poco::UInt64 declaredDead = 0;     ///< suspects this node declared dead, its own verdicts
	};

	Gossiper(Membership& view, GossipTransport& transport, Settings settings);

	/// A message from another node or a client; returns the answer, which
	/// carries this node and its news only when wantAnswer (an exchange),
	/// and its whole view when the message's digest differs from its own.
	GossipMessage receive(GossipMessage message, bool wantAnswer = true);

	/// Probes target for another node's indirect probe.
	bool probe(const Member& target);

	/// One protocol period: expire suspicions, forget the long dead, probe
	/// one member, sync when due, join through seeds and introductions.
	void round();
	/// Declares dead, and spreads, the suspects whose clocks ran out: each
	/// round does, and the probe thread between rounds at each clock's end,
	/// so that a period stretched by health() does not delay a verdict.
	void expireSuspects();

	/// Sends news to fanout random members; returns whether news is left.
	bool spread();

	/// Tells fanout random peers that this node is leaving (itself dead at a
	/// new incarnation), so the network drops it at once rather than after
	/// a probe, a suspicion and its timeout.
	void leave();

	/// Sends the rumours receive() queued for forwarding.
	void flush() { _rumours.flush(); }
	bool hasOutbox() const { return _rumours.hasOutbox(); }

	/// This node as it gossips itself (its incarnation rises on refutation).
	Member self() const;
	Stats stats() const;
	FailureDetector& detector() { return _detector; }
	std::size_t pendingNews() const { return _broadcasts.pending(); }
	/// Local health (LocalHealth): 0 while probes are answered in time, up to
	/// kMaxHealth as answers go missing or this node has to refute.
	int health() const { return _health.score(); }
	static constexpr int kMaxHealth = LocalHealth::kMax;
	/// span, stretched by the local health: probe periods and timeouts.
	Poco::Timespan scaled(Poco::Timespan span) const { return _health.scaled(span); }
	/// A hash of every member not dead, this node included (id, URL, state,
	/// incarnation): equal digests mean equal views, so syncs send whole
	/// views only when something differs.
	std::string digest() const;
	/// Keeps suspicion clocks and retention: call with every change of the view.
	void observe(const MembershipEvent& event);
	/// Called (on the thread that found it) whenever news is queued, so
	/// that the spreading thread sleeps while there is none. Set before use.
	void onNews(std::function<void()> listener) { _onNews = std::move(listener); }

private:
	/// This node and up to maxEntries of its news.
	GossipMessage news();
	GossipMessage wholeView() const;
	/// Merges what a message says; entries about this node may make it refute.
	void merge(const GossipMessage& message, bool direct);
	void take(Member member, bool sighting);
	/// Adds this node's entry for id to message when it holds id suspect or
	/// dead, so that id can refute.
	void tellIfSuspected(GossipMessage& message, const std::string& id) const;
	void announce(const std::string& id);
	/// One exchange with url; merges the answer. Returns whether it answered,
	/// and was expectedId when one is given (a probe of a member);
	/// reliably: over a connection whatever the transport prefers.
	bool exchangeWith(const std::string& url, GossipMessage message, Poco::Timespan timeout, const std::string& expectedId = "",
	                  bool reliably = false);
	/// A digest to url, then whole views both ways if they differ.
	bool syncWith(const std::string& url, const std::string& expectedId = "");
	void syncWhenDue();
	/// A sync with one member held dead, started on its own thread when one
	/// is due; the round waits for it at its end.
	std::future<void> reconnectWhenDue();
	std::vector<Member> viewWithSelf() const;
	std::vector<Member> randomAlive(std::size_t k, const std::string& except);
	void forgetTheLongDead();
	void probeNext();
	struct Retry
	{
		bool reached = false;          ///< directly over a connection, or through a helper
		std::size_t silentHelpers = 0; ///< helpers that did not answer at all
	};
	/// Direct over a connection and indirect through helpers, all at once,
	/// after target missed a probe.
	Retry probeAgain(const Member& target, Poco::Timespan timeout);
	void join();

	Membership& _view;
	GossipTransport& _transport;
	const Settings _settings;
	FailureDetector _detector;
	Broadcasts _broadcasts;
	RumourRelay _rumours;
	Greeter _greeter;
	SyncSchedule _schedule; ///< probe thread only
	Poco::Timestamp _lastReconnect{0}; ///< probe thread only
	LocalHealth _health;
	std::function<void()> _onNews;
	std::atomic<Poco::UInt64> _incarnation{0};

	mutable Poco::FastMutex _mutex; ///< guards _random
	std::mt19937 _random{std::random_device{}()};
	Poco::FastMutex _deadMutex;
	std::map<std::string, Poco::Timestamp> _deadSince; ///< when this node learned each death

	std::atomic<Poco::UInt64> _rounds{0}, _sent{0}, _received{0}, _failedExchanges{0}, _probesFailed{0}, _syncs{0},
		_wholeViews{0}, _fallbacks{0}, _refutations{0}, _reconnects{0}, _declaredDead{0};
};

} // namespace p2p::gossip

#endif
