#include "p2p/RebalanceTimer.h"
#include "p2p/Membership.h"
#include <algorithm>
#include <pthread.h>

namespace p2p {

RebalanceTimer::RebalanceTimer(Membership& view, Poco::Timespan settle, Poco::Timespan interval, Pass pass):
	_view(view),
	_settle(settle),
	_interval(interval),
	_pass(std::move(pass)),
	_thread("rebalance")
{
}

RebalanceTimer::~RebalanceTimer()
{
	stop();
}

void RebalanceTimer::start()
{
	if (_running) return;
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		const Poco::Timestamp::TimeVal now = Poco::Timestamp().epochMicroseconds();
		_lastPassAt = now;
		_changedAt = now; // the first pass catches up on what changed while down
		_stopping = false;
	}
	_subscription = _view.subscribe([this](const MembershipEvent&) { viewChanged(); });
	_thread.startFunc([this] { run(); });
	_running = true;
}

void RebalanceTimer::stop()
{
	if (!_running) return;
	_view.unsubscribe(_subscription);
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		_stopping = true;
		_wakeup.broadcast();
	}
	_thread.join();
	_running = false;
}

void RebalanceTimer::viewChanged()
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	_changedAt = Poco::Timestamp().epochMicroseconds();
	// Woken only when it would sleep past the new settle time; a thread
	// already due to wake earlier plans again then. So a stream of changes
	// costs a wake-up per settle time, not one per change.
	if (_wakeAt > _changedAt + _settle.totalMicroseconds()) _wakeup.signal();
}

void RebalanceTimer::run()
{
	pthread_setname_np(pthread_self(), "rebalance");
	Poco::FastMutex::ScopedLock lock(_mutex);
	while (!_stopping)
	{
		const Poco::Timestamp::TimeVal now = Poco::Timestamp().epochMicroseconds();
		const bool changed = _changedAt >= _lastPassAt;
		Poco::Timestamp::TimeVal due = _lastPassAt + _interval.totalMicroseconds();
		if (changed) due = std::min(due, _changedAt + _settle.totalMicroseconds());
		if (now < due)
		{
			_wakeAt = due;
			_wakeup.tryWait(_mutex, static_cast<long>(std::max<Poco::Timestamp::TimeDiff>(1, (due - now + 999) / 1000)));
			continue;
		}
		_lastPassAt = now;
		_wakeAt = 0;
		{
			// The pass runs unlocked, so changes of the view never wait for it.
			Poco::ScopedUnlock<Poco::FastMutex> unlock(_mutex);
			_pass(changed);
		}
	}
}

} // namespace p2p
