#include "cluster/Backoff.h"
#include <Poco/Exception.h>
#include <algorithm>

namespace p2p {

Backoff::Backoff(long minMs, long maxMs, Poco::UInt32 seed): _minMs(minMs), _maxMs(maxMs)
{
	if (minMs < 1 || maxMs < minMs) throw Poco::InvalidArgumentException("backoff needs 1 <= min <= max");
	_random.seed(seed);
}

long Backoff::next()
{
	long ceiling = _minMs;
	for (int i = 0; i < _attempt && ceiling < _maxMs; ++i) ceiling *= 2;
	ceiling = std::min(ceiling, _maxMs);
	++_attempt;
	const long half = ceiling / 2;
	return half + static_cast<long>(_random.next(static_cast<Poco::UInt32>(ceiling - half + 1)));
}

} // namespace p2p
