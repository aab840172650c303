#include "http/RequestRates.h"
#include <algorithm>
#include <functional>

namespace p2p {

RequestRates::RequestRates(double perSecond, double burst):
	_perSecond(std::max(perSecond, 0.0)),
	_burst(std::max(burst, 1.0)),
	_refill(_perSecond > 0 ? static_cast<Poco::Timestamp::TimeVal>(_burst / _perSecond * 1e6) : 0)
{
}

bool RequestRates::take(const std::string& address, Poco::Timestamp::TimeVal now)
{
	if (_perSecond <= 0) return true;
	Shard& shard = _shards[std::hash<std::string>{}(address) % _shards.size()];
	std::lock_guard<std::mutex> lock(shard.mutex);
	if (now >= shard.nextSweep) sweep(shard, now);
	const auto [it, fresh] = shard.buckets.try_emplace(address, Bucket{_burst, now});
	Bucket& bucket = it->second;
	if (!fresh)
	{
		// A clock stepped back refills nothing (and takes nothing away).
		const auto elapsed = std::max<Poco::Timestamp::TimeVal>(now - bucket.last, 0);
		bucket.tokens = std::min(_burst, bucket.tokens + static_cast<double>(elapsed) * _perSecond / 1e6);
		bucket.last = std::max(now, bucket.last);
	}
	if (bucket.tokens < 1) return false;
	bucket.tokens -= 1;
	return true;
}

void RequestRates::sweep(Shard& shard, Poco::Timestamp::TimeVal now) const
{
	// Full again: the same as no bucket at all.
	for (auto it = shard.buckets.begin(); it != shard.buckets.end();)
		it = now - it->second.last >= _refill ? shard.buckets.erase(it) : std::next(it);
	shard.nextSweep = now + std::max<Poco::Timestamp::TimeVal>(_refill, 1000000);
}

std::size_t RequestRates::tracked() const
{
	std::size_t count = 0;
	for (const Shard& shard : _shards)
	{
		std::lock_guard<std::mutex> lock(shard.mutex);
		count += shard.buckets.size();
	}
	return count;
}

} // namespace p2p
