#ifndef P2P_WorkerPool_INCLUDED
#define P2P_WorkerPool_INCLUDED

#include <Poco/Timespan.h>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace p2p {

/// Threads for work that blocks (a handler waiting on disk or another
/// node), fed from a bounded queue: from minThreads it grows while work
/// waits and every thread is busy, up to maxThreads, and a thread idle for
/// idleTime ends (down to minThreads), so a hundred idle nodes on one
/// machine keep few threads. Thread-safe.
class WorkerPool
{
public:
	using Task = std::function<void()>;

	WorkerPool(std::string name, std::size_t minThreads, std::size_t maxThreads, std::size_t maxQueued,
	           Poco::Timespan idleTime = Poco::Timespan(30, 0));
	~WorkerPool();

	WorkerPool(const WorkerPool&) = delete;
	WorkerPool& operator=(const WorkerPool&) = delete;

	/// Queues task; false (and task dropped) when maxQueued wait already or
	/// the pool has stopped.
	bool submit(Task task);
	/// Runs what is queued, then ends every thread.
	void stop();

	std::size_t threads() const;
	std::size_t queued() const;
	/// Threads running a task now.
	std::size_t busy() const;

private:
	void work();
	void reapFinished();

	const std::string _name;
	const std::size_t _minThreads, _maxThreads, _maxQueued;
	const Poco::Timespan _idleTime;
	mutable std::mutex _mutex;
	std::condition_variable _wake;
	std::deque<Task> _tasks;
	std::size_t _idle = 0;
	std::size_t _starting = 0; ///< threads made that have not yet looked for work
	std::size_t _running = 0; ///< threads alive
	bool _stopped = false;
	std::vector<std::thread> _threads;
	std::vector<std::thread::id> _finished; ///< threads that ended, to join
};

} // namespace p2p

#endif
