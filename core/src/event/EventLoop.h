#ifndef P2P_EventLoop_INCLUDED
#define P2P_EventLoop_INCLUDED

#include "p2p/Export.h"
#include <Poco/Mutex.h>
#include <Poco/Timespan.h>
#include <Poco/Timestamp.h>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <thread>
#include <unordered_map>
#include <vector>

namespace p2p {

/// One thread's epoll loop: it watches descriptors, runs timers, and runs
/// tasks other threads post to it, so that connections are driven by
/// readiness and no thread waits on any one of them (the event-driven
/// model of nginx and libuv, kept as small as the node needs).
///
/// Threads: run() on the loop's own thread; post() and stop() from any
/// thread; everything else only on the loop's thread (from inside a
/// callback, a task or a timer), which is also the only thread that ever
/// runs them, so what a loop drives needs no locks. Callbacks may watch,
/// unwatch and schedule freely, their own descriptor included.
class P2P_API EventLoop
{
public:
	/// Called with the epoll events that fired (EPOLLIN, EPOLLOUT,
	/// EPOLLERR, EPOLLHUP, EPOLLRDHUP).
	using Callback = std::function<void(std::uint32_t events)>;
	using Task = std::function<void()>;
	using TimerId = std::uint64_t;

	EventLoop();
	~EventLoop();

	EventLoop(const EventLoop&) = delete;
	EventLoop& operator=(const EventLoop&) = delete;

	/// Runs until stop(); tasks posted before stop() still run.
	void run();
	/// Ends run() after the current callback; from any thread.
	void stop();
	/// Runs task on the loop's thread, after what is running now, in the
	/// order posted; from any thread.
	void post(Task task);
	bool inLoopThread() const { return std::this_thread::get_id() == _owner.load(); }
	/// Runs task on the loop's thread once this turn's events, posted tasks
	/// and timers are handled, before the loop waits again: what several of
	/// them add to one socket goes out in one write (corking). On the
	/// loop's thread only.
	void atTurnEnd(Task task) { _turnEnd.push_back(std::move(task)); }

	/// Watches fd (edge-triggered when `edge`) for events; fd must not be
	/// watched yet. Throws Poco::SystemException when epoll refuses it.
	void watch(int fd, std::uint32_t events, Callback callback, bool edge = false);
	/// Changes what a watched fd waits for.
	void modify(int fd, std::uint32_t events, bool edge = false);
	/// Stops watching fd: no callback runs for it afterwards, not even for
	/// events already collected. Before the caller closes it.
	void unwatch(int fd);
	std::size_t watched() const { return _watches.size(); }

	/// Runs task once, after delay; returns an id for cancel().
	TimerId after(Poco::Timespan delay, Task task);
	/// Whether the timer was still pending (it will not run now).
	bool cancel(TimerId id);

	/// State another component keeps per loop (its connections to peers),
	/// made by `make` on first use under `key` and destroyed with the loop.
	template <typename T, typename Make>
	T& local(std::uint64_t key, Make make)
	{
		auto it = _locals.find(key);
		if (it == _locals.end()) it = _locals.emplace(key, std::shared_ptr<void>(make())).first;
		return *static_cast<T*>(it->second.get());
	}

private:
	struct Watch
	{
		std::uint32_t generation = 0;
		/// Shared, so that a callback that unwatches itself runs to its end.
		std::shared_ptr<Callback> callback;
	};

	void wake();
	/// Runs what was posted, and what those tasks post in turn, for a
	/// bounded number of rounds (a chain of pipelined requests is served in
	/// one turn, yet a task that keeps posting cannot starve the sockets).
	void runPosted();
	void runTurnEnd();
	void runTimers(Poco::Timestamp now);
	/// epoll's timeout until the next timer, -1 without one.
	int nextTimeout(Poco::Timestamp now) const;

	int _epoll = -1;
	int _wakeFd = -1; ///< eventfd: tasks posted, or stop
	std::atomic<std::thread::id> _owner{};
	std::atomic<bool> _stopped{false};

	Poco::FastMutex _postMutex;
	std::vector<Task> _posted;
	std::vector<Task> _turnEnd; ///< the loop's own: no lock

	/// By fd, with a generation per registration: an event collected for an
	/// fd that was unwatched (and maybe watched again) in the same batch is
	/// recognised as stale and dropped.
	std::unordered_map<int, Watch> _watches;
	std::uint32_t _generation = 0;

	TimerId _nextTimer = 1;
	std::map<TimerId, Task> _timers; ///< pending ones; cancel() erases
	using Due = std::pair<Poco::Timestamp::TimeVal, TimerId>;
	std::priority_queue<Due, std::vector<Due>, std::greater<Due>> _due; ///< may hold cancelled ids

	/// Last, so destroyed first, while what they watch can still be unwatched.
	std::map<std::uint64_t, std::shared_ptr<void>> _locals;
};

} // namespace p2p

#endif
