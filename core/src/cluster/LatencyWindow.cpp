#include "LatencyWindow.h"
#include <algorithm>
#include <vector>

namespace p2p {

void LatencyWindow::record(Poco::Timespan::TimeDiff microseconds)
{
	std::vector<Poco::Timespan::TimeDiff> window;
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_samples[_count % kSize] = microseconds;
		++_count;
		if (_count % kRecomputeEvery != 0) return;
		window.assign(_samples.begin(), _samples.begin() + static_cast<std::ptrdiff_t>(std::min(_count, kSize)));
	}
	// Outside the lock: other loops record meanwhile.
	const auto p99 = window.begin() + static_cast<std::ptrdiff_t>(window.size() * 99 / 100);
	std::nth_element(window.begin(), p99, window.end());
	_delay = std::clamp(2 * *p99, kFloor, kCeiling);
}

} // namespace p2p
