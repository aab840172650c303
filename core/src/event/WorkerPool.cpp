#include "event/WorkerPool.h"
#include <algorithm>
#include <pthread.h>

namespace p2p {

WorkerPool::WorkerPool(std::string name, std::size_t minThreads, std::size_t maxThreads, std::size_t maxQueued,
                       Poco::Timespan idleTime):
	_name(std::move(name)),
	_minThreads(minThreads),
	_maxThreads(std::max(maxThreads, std::size_t(1))),
	_maxQueued(maxQueued),
	_idleTime(idleTime)
{
}

WorkerPool::~WorkerPool()
{
	stop();
}

bool WorkerPool::submit(Task task)
{
	std::lock_guard<std::mutex> lock(_mutex);
	// What counts against maxQueued is what waits for a thread: tasks a
	// thread starting or idle is about to take do not.
	if (_stopped || _tasks.size() >= _maxQueued + _idle + _starting) return false;
	_tasks.push_back(std::move(task));
	if (_idle > 0)
	{
		_wake.notify_one();
		return true;
	}
	if (_running < _maxThreads)
	{
		reapFinished();
		++_running;
		++_starting;
		_threads.emplace_back([this] { work(); });
	}
	return true;
}

void WorkerPool::reapFinished()
{
	// Under _mutex: threads that ended on their own are joined here, so
	// none is left unjoined and the vector does not grow.
	for (const auto id : _finished)
	{
		const auto it = std::find_if(_threads.begin(), _threads.end(), [id](const std::thread& t) { return t.get_id() == id; });
		if (it == _threads.end()) continue;
		it->join();
		_threads.erase(it);
	}
	_finished.clear();
}

void WorkerPool::work()
{
	::pthread_setname_np(::pthread_self(), _name.substr(0, 15).c_str());
	std::unique_lock<std::mutex> lock(_mutex);
	--_starting;
	for (;;)
	{
		if (_tasks.empty())
		{
			if (_stopped) break;
			++_idle;
			const bool woken = _wake.wait_for(lock, std::chrono::microseconds(_idleTime.totalMicroseconds()),
			                                  [this] { return _stopped || !_tasks.empty(); });
			--_idle;
			if (!woken && _running > _minThreads) break; // idle long enough
			continue;
		}
		Task task = std::move(_tasks.front());
		_tasks.pop_front();
		lock.unlock();
		task();
		task = nullptr; // what it holds goes before the lock is taken again
		lock.lock();
	}
	--_running;
	if (!_stopped) _finished.push_back(std::this_thread::get_id());
}

void WorkerPool::stop()
{
	std::vector<std::thread> threads;
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_stopped = true;
		_wake.notify_all();
		threads.swap(_threads);
		_finished.clear();
	}
	for (auto& thread : threads)
		if (thread.joinable()) thread.join();
}

std::size_t WorkerPool::threads() const
{
	std::lock_guard<std::mutex> lock(_mutex);
	return _running;
}

std::size_t WorkerPool::queued() const
{
	std::lock_guard<std::mutex> lock(_mutex);
	return _tasks.size();
}

std::size_t WorkerPool::busy() const
{
	std::lock_guard<std::mutex> lock(_mutex);
	return _running - _idle - _starting;
}

} // namespace p2p
