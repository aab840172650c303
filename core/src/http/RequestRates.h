#ifndef P2P_RequestRates_INCLUDED
#define P2P_RequestRates_INCLUDED

#include "p2p/Export.h"

#include <Poco/Timestamp.h>
#include <array>
#include <mutex>
#include <string>
#include <unordered_map>

namespace p2p {

/// Requests per second per client address (http.max_requests_per_s_per_address):
/// a token bucket per address, `burst` deep, refilled at `perSecond`. A
/// bucket that has filled up again is forgotten, so what is held is the
/// addresses that sent in the last burst/perSecond seconds, not every
/// address ever seen. Sharded by address, each shard under its own lock:
/// every loop asks for every request.
///
/// Thread-safe.
class P2P_API RequestRates
{
public:
	/// perSecond 0: no limit (take() is always true).
	RequestRates(double perSecond, double burst);

	/// Whether a request from address (addressKey bytes) may go on now.
	bool take(const std::string& address, Poco::Timestamp::TimeVal now = Poco::Timestamp().epochMicroseconds());

	bool limits() const { return _perSecond > 0; }
	/// Addresses held now (for tests).
	std::size_t tracked() const;

private:
	struct Bucket
	{
		double tokens = 0;
		Poco::Timestamp::TimeVal last = 0;
	};
	struct Shard
	{
		mutable std::mutex mutex;
		std::unordered_map<std::string, Bucket> buckets;
		Poco::Timestamp::TimeVal nextSweep = 0;
	};

	void sweep(Shard& shard, Poco::Timestamp::TimeVal now) const;

	const double _perSecond;
	const double _burst;
	const Poco::Timestamp::TimeVal _refill; ///< µs for an empty bucket to fill
	std::array<Shard, 16> _shards;
};

} // namespace p2p

#endif
