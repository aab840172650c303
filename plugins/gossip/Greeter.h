#ifndef P2P_Gossip_Greeter_INCLUDED
#define P2P_Gossip_Greeter_INCLUDED

#include "GossipTransport.h"
#include "p2p/Membership.h"
#include <Poco/Mutex.h>
#include <atomic>
#include <deque>
#include <random>

namespace p2p::gossip {

/// Joins are not news (see Gossiper): once this node's view is first
/// filled (a bootstrap node's list, a seed's whole view), every member in it
/// hears of this node from itself, kPerBatch members per spread interval,
/// so that a forming network of N nodes costs N x N / 2 small datagrams
/// instead of N x N x 16 entries of news. Syncs heal what a lost greeting
/// missed.
///
/// plan() runs on the probe thread, greetNext() on the spread thread.
class Greeter
{
public:
	/// Members greeted per spread interval: a node joining a thousand greets
	/// them all in three seconds.
	static constexpr std::size_t kPerBatch = 64;

	Greeter(GossipTransport& transport, Poco::Timespan timeout);

	/// Plans the greetings, in random order, the first time view is synced
	/// and has a live member; returns whether it did on this call.
	bool plan(const Membership& view);
	bool pending() const;

	/// Sends hello to the next batch; returns the answers that name their
	/// sender, for the gossiper to merge.
	std::vector<GossipMessage> greetNext(const GossipMessage& hello);

	Poco::UInt64 sent() const { return _sent; }
	Poco::UInt64 failed() const { return _failed; }

private:
	GossipTransport& _transport;
	const Poco::Timespan _timeout;
	std::atomic<bool> _planned{false};
	mutable Poco::FastMutex _mutex; ///< guards _urls
	std::deque<std::string> _urls;  ///< members still to greet
	std::atomic<Poco::UInt64> _sent{0}, _failed{0};
};

} // namespace p2p::gossip

#endif
