#ifndef P2P_LatencyWindow_INCLUDED
#define P2P_LatencyWindow_INCLUDED

#include "p2p/Export.h"
#include <Poco/Timespan.h>
#include <array>
#include <atomic>
#include <mutex>

namespace p2p {

/// How long the last few hundred answers from peers took: the delay after
/// which a request still unanswered is sent to another owner as well
/// (hedged, as in Dean and Barroso's "The Tail at Scale", and Dynamo's
/// coordinators). The delay is twice the 99th percentile of the window,
/// bounded to [kFloor, kCeiling], so a hedge goes out for about one request
/// in a hundred in steady state and at once for the requests a stopped or
/// cut-off peer holds. Thread-safe: a short lock per sample, the
/// percentile recomputed every kRecomputeEvery samples.
class P2P_API LatencyWindow
{
public:
	static constexpr std::size_t kSize = 512;
	static constexpr std::size_t kRecomputeEvery = 64;
	static constexpr Poco::Timespan::TimeDiff kFloor = 10 * 1000;          ///< µs
	static constexpr Poco::Timespan::TimeDiff kCeiling = 1000 * 1000;      ///< µs
	static constexpr Poco::Timespan::TimeDiff kWithoutSamples = 50 * 1000; ///< µs, before the first kRecomputeEvery

	void record(Poco::Timespan::TimeDiff microseconds);
	/// The hedge delay the window gives now.
	Poco::Timespan hedgeDelay() const { return Poco::Timespan(_delay.load()); }

private:
	std::mutex _mutex;
	std::array<Poco::Timespan::TimeDiff, kSize> _samples{};
	std::size_t _count = 0; ///< samples ever recorded
	std::atomic<Poco::Timespan::TimeDiff> _delay{kWithoutSamples};
};

} // namespace p2p

#endif
