#ifndef P2P_Membership_INCLUDED
#define P2P_Membership_INCLUDED

#include "p2p/Export.h"

#include "p2p/NodeContext.h"
#include <Poco/Mutex.h>
#include <Poco/Timestamp.h>
#include <Poco/Types.h>
#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace p2p {

enum class MemberState
{
	Alive,
	Suspect,
	Dead
};

/// "alive", "suspect" or "dead".
P2P_API const char* toString(MemberState state);

/// Another node as this node sees it.
struct P2P_API Member
{
	std::string id;
	std::string url;
	MemberState state = MemberState::Alive;
	/// Raised only by the member itself, to refute rumours of its death.
	Poco::UInt64 incarnation = 0;
	Poco::Timestamp lastSeen;
};

struct P2P_API MembershipEvent
{
	enum class Kind
	{
		Joined,  ///< a node not known before
		Changed, ///< its URL, state or incarnation changed
		Left     ///< removed from the view
	};
	Kind kind;
	Member member;
};

/// The node's view of the network: every other node it knows, with state
/// and incarnation. Bootstrap registration and gossip write to it; plugins
/// read it and subscribe to changes (the DHT ring rebuilds on them).
///
/// Merge rule (as in SWIM, Das et al. 2002, section 4.2): news with a higher
/// incarnation wins; at equal incarnation the graver state wins (dead over
/// suspect over alive), so a stale "alive" cannot undo a newer suspicion.
/// Thread-safe. Listeners run on the thread that made the change, after the
/// view's lock is released, one notification at a time; they may read and
/// change the view and (un)subscribe, and must not block for long. Events of
/// changes made on two threads at once may reach listeners in either order:
/// a listener that needs the current state reads the view.
class P2P_API Membership
{
public:
	using Listener = std::function<void(const MembershipEvent&)>;

	/// maxMembers (cluster.max_members) bounds the view: news of a member
	/// beyond it is dropped, so no flood of made-up ids can exhaust memory.
	explicit Membership(NodeIdentity self, std::size_t maxMembers = 10000);

	const NodeIdentity& self() const { return _self; }
	/// cluster.max_members: the most other members the view holds.
	std::size_t maxMembers() const { return _maxMembers; }

	/// Merges news about a member; returns whether the view changed (a
	/// newer lastSeen alone refreshes the entry but is not a change). News
	/// about this node itself is ignored.
	bool update(const Member& member);

	/// Removes a member; returns whether it was there.
	bool remove(const std::string& id);

	/// All other members, sorted by id.
	std::vector<Member> members() const;
	/// Members in state alive, sorted by id.
	std::vector<Member> alive() const;

	/// How many members are in each state: indexed by MemberState. O(N)
	/// under the lock, without copying a member (for /status and metrics,
	/// which a thousand-node view must answer cheaply).
	std::array<std::size_t, 3> countByState() const;
	/// Up to k members picked uniformly at random among those `eligible`
	/// accepts, copying only those k. O(k) while most members are eligible
	/// (random picks, the ineligible and repeated ones drawn again), O(N)
	/// otherwise (reservoir sampling). eligible runs under the view's lock:
	/// it must not touch the view.
	std::vector<Member> sample(std::size_t k, std::mt19937& random,
	                           const std::function<bool(const Member&)>& eligible) const;
	bool find(const std::string& id, Member& member) const;
	std::size_t size() const;

	/// Whether the view has been filled from the network at least once (the
	/// first peer list from a bootstrap node), or there is no network to
	/// ask. Until then the node knows too little to say where data lives:
	/// alone in its view, it would take every key for its own.
	bool synced() const { return _synced.load(); }
	/// Called by whatever fills the view (registration, gossip) once it has.
	void markSynced() { _synced = true; }

	/// Whether a plugin keeps the view current by talking to the members
	/// themselves (gossip, which sets it while it runs). Then the registrar
	/// fills the view from a bootstrap node's peer list once, to join, and
	/// afterwards only renews its lease: polling whole lists would cost the
	/// bootstrap node the square of the network's size.
	bool gossiping() const { return _gossiping.load(); }
	void setGossiping(bool gossiping) { _gossiping = gossiping; }

	/// URLs of nodes to join through without a bootstrap node (cluster.seeds),
	/// for the plugin that gossips. Set once by the core before plugins start.
	const std::vector<std::string>& seeds() const { return _seeds; }
	void setSeeds(std::vector<std::string> seeds) { _seeds = std::move(seeds); }

	/// Returns an id for unsubscribe().
	int subscribe(Listener listener);
	void unsubscribe(int id);

private:
	void notify(const MembershipEvent& event);

	const NodeIdentity _self;
	const std::size_t _maxMembers;
	std::atomic<bool> _synced{false};
	std::atomic<bool> _gossiping{false};
	std::vector<std::string> _seeds;
	mutable Poco::FastMutex _mutex;
	std::map<std::string, Member> _members;
	/// Recursive: a listener may change the view, which notifies again.
	Poco::Mutex _listenerMutex;
	/// Replaced, never changed, on (un)subscribe: a notification walks the
	/// listeners it started with, without copying them for every event.
	std::shared_ptr<const std::map<int, Listener>> _listeners = std::make_shared<std::map<int, Listener>>();
	int _nextListener = 1;
	/// The members of _members again, in no order, for picks by position
	/// (map nodes do not move; an erase swaps the last one into its place).
	std::vector<const Member*> _byPosition;
};

} // namespace p2p

#endif
