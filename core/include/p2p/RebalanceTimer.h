#ifndef P2P_RebalanceTimer_INCLUDED
#define P2P_RebalanceTimer_INCLUDED

#include "p2p/Export.h"

#include <Poco/Condition.h>
#include <Poco/Mutex.h>
#include <Poco/Thread.h>
#include <Poco/Timespan.h>
#include <Poco/Timestamp.h>
#include <functional>

namespace p2p {

class Membership;

/// When a plugin that keeps data on the ring (kvstore, filestore) moves it
/// to its owners: `settle` after the membership view last changed (so a
/// forming network, or several leases running out together, cost one pass
/// rather than one per change), at least every `interval` besides (to heal
/// what a pass missed), and once `settle` after start() (to catch up on
/// what changed while the node was down).
///
/// One thread of its own, which sleeps until a pass is due: an idle node's
/// timer never wakes. pass(afterChange) runs on that thread, one at a
/// time; afterChange says whether the view changed since the last pass.
/// start() and stop() from one thread (the plugin's start and stop).
class P2P_API RebalanceTimer
{
public:
	using Pass = std::function<void(bool afterChange)>;

	/// What both stores wait after the view's last change: long enough for
	/// a forming network, or leases running out together, to make one
	/// change; short enough that a new owner gets its copies soon.
	static Poco::Timespan settle() { return Poco::Timespan(1, 0); }

	RebalanceTimer(Membership& view, Poco::Timespan settle, Poco::Timespan interval, Pass pass);
	~RebalanceTimer();

	RebalanceTimer(const RebalanceTimer&) = delete;
	RebalanceTimer& operator=(const RebalanceTimer&) = delete;

	/// Follows the view, and starts the thread.
	void start();
	/// Waits for a pass that runs (make it end soon), then ends the thread.
	void stop();

private:
	void run();
	void viewChanged();

	Membership& _view;
	const Poco::Timespan _settle;
	const Poco::Timespan _interval;
	const Pass _pass;
	Poco::FastMutex _mutex;
	Poco::Condition _wakeup;
	Poco::Timestamp::TimeVal _changedAt = 0; ///< epoch µs, under _mutex
	Poco::Timestamp::TimeVal _lastPassAt = 0;
	Poco::Timestamp::TimeVal _wakeAt = 0;    ///< when the thread wakes next
	bool _stopping = false;
	bool _running = false;
	int _subscription = 0;
	Poco::Thread _thread;
};

} // namespace p2p

#endif
