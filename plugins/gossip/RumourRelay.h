#ifndef P2P_Gossip_RumourRelay_INCLUDED
#define P2P_Gossip_RumourRelay_INCLUDED

#include "GossipTransport.h"
#include "RecentIds.h"
#include "p2p/Membership.h"
#include <Poco/Mutex.h>
#include <atomic>
#include <deque>
#include <random>
#include <set>

namespace p2p::gossip {

/// The seed's rumours: POST /gossip messages with a ttl or peer URLs. Each
/// goes on to fanout random live members while its TTL lasts, once per
/// node (by message id), in bounded batches, so that a burst of them
/// cannot hold up the news. The URLs a rumour names that are not members
/// yet are kept as introductions for the gossiper to contact, a few per
/// period: a flood of URLs costs little, and this node alone contacts an
/// unverified URL (only members' URLs travel on).
///
/// relay() runs on HTTP threads, flush() on the spread thread,
/// takeIntroductions() on the probe thread; one mutex guards the queues.
class RumourRelay
{
public:
	struct Settings
	{
		std::size_t fanout = 3;
		int maxTtl = 5;
		Poco::Timespan timeout = Poco::Timespan(0, 500 * 1000); ///< per rumour sent
	};

	struct Stats
	{
		Poco::UInt64 sent = 0;
		Poco::UInt64 failed = 0;           ///< rumours whose receiver did not answer
		Poco::UInt64 droppedTtl = 0;       ///< rumours that arrived with no forwards left
		Poco::UInt64 droppedDuplicate = 0; ///< rumours seen before
	};

	/// The most rumours waiting to go out, and introductions kept: beyond
	/// them, more are dropped rather than queued.
	static constexpr std::size_t kMaxOutbox = 1024;
	static constexpr std::size_t kMaxIntroductions = 256;
	/// Rumours one flush() sends.
	static constexpr std::size_t kFlushBatch = 32;

	RumourRelay(const Membership& view, GossipTransport& transport, Settings settings);

	/// Keeps the peer URLs message names that are not members, and queues
	/// its onward copies (carrying `from`, this node as it gossips itself)
	/// when it is a rumour seen for the first time with forwards left. A
	/// rumour without an id gets one here.
	void relay(const GossipMessage& message, const Member& from);

	/// Up to `most` introductions, each handed out once.
	std::vector<std::string> takeIntroductions(std::size_t most);

	/// Sends up to kFlushBatch queued rumours.
	void flush();
	bool hasOutbox() const;
	Stats stats() const;

private:
	/// Keeps the peers that are not in known (the members' URLs) nor this node.
	void remember(const std::vector<std::string>& peers, const std::set<std::string>& known);
	void forward(const GossipMessage& message, const std::string& id, const Member& from,
	             const std::set<std::string>& members);

	const Membership& _view;
	GossipTransport& _transport;
	const Settings _settings;
	RecentIds _seen{4096};

	mutable Poco::FastMutex _mutex; ///< guards the queues and _random
	std::deque<std::pair<std::string, GossipMessage>> _outbox;
	std::set<std::string> _introductions; ///< URLs heard of, not yet known as members
	std::mt19937 _random{std::random_device{}()};

	std::atomic<Poco::UInt64> _sent{0}, _failed{0}, _droppedTtl{0}, _droppedDuplicate{0};
};

} // namespace p2p::gossip

#endif
