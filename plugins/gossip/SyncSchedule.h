#ifndef P2P_Gossip_SyncSchedule_INCLUDED
#define P2P_Gossip_SyncSchedule_INCLUDED

#include <Poco/Timestamp.h>
#include <Poco/Timespan.h>
#include <Poco/Types.h>
#include <atomic>
#include <random>
#include <string>
#include <vector>

namespace p2p::gossip {

/// When this node syncs its view (a digest, whole views when they differ)
/// and which seeds it joins through:
///  - the first sync at once, the next ones every interval, jittered by a
///    quarter either way so that nodes started together do not sync
///    together;
///  - every seed each period until one has answered (knowing some other
///    node is not enough: nodes that started together may know only each
///    other, and seeds that were not up yet must still hear of the
///    joiners), then one random seed every kSeedRounds periods, which
///    heals a partition.
/// The probe thread's alone, but seedHasAnswered().
class SyncSchedule
{
public:
	/// Periods between two syncs with a seed once one has answered.
	static constexpr Poco::UInt64 kSeedRounds = 30;

	/// selfUrl is left out of seeds: a node listed among its own seeds.
	SyncSchedule(Poco::Timespan interval, std::vector<std::string> seeds, const std::string& selfUrl);

	bool syncDue() const { return _next.isElapsed(0); }
	/// Schedules the next sync, an interval (jittered) from now.
	void synced();

	/// The seeds to sync with in period `round`.
	std::vector<std::string> seedsFor(Poco::UInt64 round);
	void seedAnswered() { _seedAnswered = true; }
	bool seedHasAnswered() const { return _seedAnswered; }

private:
	const Poco::Timespan _interval;
	std::vector<std::string> _seeds;
	Poco::Timestamp _next{0};
	std::atomic<bool> _seedAnswered{false};
	std::mt19937 _random{std::random_device{}()};
};

} // namespace p2p::gossip

#endif
