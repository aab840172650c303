#ifndef P2P_Backoff_INCLUDED
#define P2P_Backoff_INCLUDED

#include <Poco/Random.h>

namespace p2p {

/// Exponential backoff with jitter for retrying a peer that is down: the
/// n-th delay is drawn from [d/2, d] where d = min(max, min * 2^n), so a
/// hundred nodes that lost the same bootstrap node do not retry in step
/// ("equal jitter"). Not thread-safe; one per retry loop.
class Backoff
{
public:
	Backoff(long minMs, long maxMs, Poco::UInt32 seed);

	/// The next delay in milliseconds.
	long next();
	void reset() { _attempt = 0; }
	int attempts() const { return _attempt; }

private:
	long _minMs;
	long _maxMs;
	int _attempt = 0;
	Poco::Random _random;
};

} // namespace p2p

#endif
