#ifndef P2P_KvStore_PoolJob_INCLUDED
#define P2P_KvStore_PoolJob_INCLUDED

#include <Poco/Runnable.h>
#include <Poco/ThreadPool.h>
#include <functional>
#include <memory>

namespace p2p::kvstore {

/// A job for Poco::ThreadPool, which runs Runnables it does not own: the
/// job owns itself from start() until its run() returns.
class PoolJob: public Poco::Runnable
{
public:
	/// Runs work on a pool thread, or on this one when the pool is full:
	/// slower, but never lost.
	static void start(Poco::ThreadPool& pool, std::function<void()> work)
	{
		auto job = std::make_unique<PoolJob>(std::move(work));
		try
		{
			pool.start(*job);
			job.release(); // run() takes it over
		}
		catch (const Poco::NoThreadAvailableException&)
		{
			job->_work();
		}
	}

	/// Runs work on a pool thread if one is free; false (and nothing run)
	/// when none is.
	static bool tryStart(Poco::ThreadPool& pool, std::function<void()> work)
	{
		auto job = std::make_unique<PoolJob>(std::move(work));
		try
		{
			pool.start(*job);
		}
		catch (const Poco::NoThreadAvailableException&)
		{
			return false;
		}
		job.release(); // run() takes it over
		return true;
	}

	explicit PoolJob(std::function<void()> work): _work(std::move(work)) {}

	void run() override
	{
		std::unique_ptr<PoolJob> self(this);
		_work();
	}

private:
	std::function<void()> _work;
};

} // namespace p2p::kvstore

#endif
