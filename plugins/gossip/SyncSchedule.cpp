#include "SyncSchedule.h"
#include <algorithm>

namespace p2p::gossip {

SyncSchedule::SyncSchedule(Poco::Timespan interval, std::vector<std::string> seeds, const std::string& selfUrl):
	_interval(interval), _seeds(std::move(seeds))
{
	_seeds.erase(std::remove(_seeds.begin(), _seeds.end(), selfUrl), _seeds.end());
}

void SyncSchedule::synced()
{
	const Poco::Timespan::TimeDiff wait = _interval.totalMicroseconds();
	_next = Poco::Timestamp() + std::uniform_int_distribution<Poco::Timespan::TimeDiff>(wait * 3 / 4, wait * 5 / 4)(_random);
}

std::vector<std::string> SyncSchedule::seedsFor(Poco::UInt64 round)
{
	if (_seeds.empty()) return {};
	if (!_seedAnswered) return _seeds;
	if (round % kSeedRounds != 0) return {};
	return {_seeds[std::uniform_int_distribution<std::size_t>(0, _seeds.size() - 1)(_random)]};
}

} // namespace p2p::gossip
