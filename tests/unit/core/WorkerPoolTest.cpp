#include "event/WorkerPool.h"
#include <cppunit/extensions/HelperMacros.h>
#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>

using p2p::WorkerPool;

namespace {

/// A gate tasks wait at until the test opens it (or five seconds pass).
class Gate
{
public:
	void wait()
	{
		std::unique_lock<std::mutex> lock(_mutex);
		_changed.wait_for(lock, std::chrono::seconds(5), [this] { return _open; });
	}
	void open()
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_open = true;
		_changed.notify_all();
	}

private:
	std::mutex _mutex;
	std::condition_variable _changed;
	bool _open = false;
};

bool within(const std::function<bool()>& condition)
{
	const Poco::Timestamp started;
	while (!condition())
	{
		if (started.elapsed() > 5 * 1000 * 1000) return false;
		std::this_thread::yield();
	}
	return true;
}

} // namespace

/// The handlers' threads: growth up to the bound, a bounded queue, idle
/// threads that end, and a stop that runs what was queued.
class WorkerPoolTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(WorkerPoolTest);
	CPPUNIT_TEST(testItGrowsToItsBoundAndQueuesWithinItsLimit);
	CPPUNIT_TEST(testIdleThreadsEndDownToTheMinimum);
	CPPUNIT_TEST(testStopRunsWhatWasQueued);
	CPPUNIT_TEST_SUITE_END();

public:
	void testItGrowsToItsBoundAndQueuesWithinItsLimit()
	{
		WorkerPool pool("test", 0, 3, 2);
		Gate gate;
		std::atomic<int> ran{0};
		for (int i = 0; i < 3; ++i)
			CPPUNIT_ASSERT(pool.submit([&] {
				gate.wait();
				++ran;
			}));
		CPPUNIT_ASSERT(within([&] { return pool.busy() == 3; }));
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), pool.threads());
		CPPUNIT_ASSERT(pool.submit([&] { ++ran; })); // waits in the queue
		CPPUNIT_ASSERT(pool.submit([&] { ++ran; }));
		CPPUNIT_ASSERT(!pool.submit([&] { ++ran; })); // the queue is full
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), pool.queued());
		gate.open();
		CPPUNIT_ASSERT(within([&] { return ran == 5; }));
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), pool.threads()); // never beyond the bound
	}

	void testIdleThreadsEndDownToTheMinimum()
	{
		WorkerPool pool("test", 1, 4, 16, Poco::Timespan(0, 20 * 1000));
		Gate gate;
		std::atomic<int> ran{0};
		for (int i = 0; i < 4; ++i)
			pool.submit([&] {
				gate.wait();
				++ran;
			});
		CPPUNIT_ASSERT(within([&] { return pool.threads() == 4; }));
		gate.open();
		CPPUNIT_ASSERT(within([&] { return ran == 4 && pool.threads() == 1; }));
		// The one left still works, and the pool grows again when it must.
		std::promise<void> done;
		pool.submit([&] { done.set_value(); });
		CPPUNIT_ASSERT(done.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);
	}

	void testStopRunsWhatWasQueued()
	{
		std::atomic<int> ran{0};
		{
			WorkerPool pool("test", 1, 1, 100);
			Gate gate;
			pool.submit([&] { gate.wait(); });
			for (int i = 0; i < 10; ++i) pool.submit([&] { ++ran; });
			gate.open();
			pool.stop();
			CPPUNIT_ASSERT(!pool.submit([&] { ++ran; })); // stopped: refused
		}
		CPPUNIT_ASSERT_EQUAL(10, ran.load());
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(WorkerPoolTest);
