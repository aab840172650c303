#include "RunningLoop.h"
#include <cppunit/extensions/HelperMacros.h>
#include <future>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>

using p2p::EventLoop;
using p2p::test::RunningLoop;

namespace {

/// An eventfd that reads as ready once signalled.
struct Signal
{
	Signal(): fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}
	~Signal() { ::close(fd); }
	void raise() const
	{
		const std::uint64_t one = 1;
		CPPUNIT_ASSERT(::write(fd, &one, sizeof(one)) == sizeof(one));
	}
	void drain() const
	{
		std::uint64_t count;
		while (::read(fd, &count, sizeof(count)) > 0)
		{
		}
	}
	int fd;
};

template <typename T>
bool ready(std::future<T>& future)
{
	return future.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
}

} // namespace

/// The epoll loop: readiness callbacks, posted tasks and timers, all on the
/// loop's thread, and nothing run for what was unwatched or cancelled.
class EventLoopTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(EventLoopTest);
	CPPUNIT_TEST(testPostedTasksRunOnTheLoopInOrder);
	CPPUNIT_TEST(testAReadyDescriptorCallsItsCallback);
	CPPUNIT_TEST(testAnUnwatchedDescriptorIsNotCalledEvenInTheSameBatch);
	CPPUNIT_TEST(testTimersRunInOrderOfDueTimeAndCancelledOnesNever);
	CPPUNIT_TEST(testStopEndsRunAfterTasksAlreadyPosted);
	CPPUNIT_TEST_SUITE_END();

public:
	void testPostedTasksRunOnTheLoopInOrder()
	{
		RunningLoop running;
		std::vector<int> order;
		std::promise<void> done;
		for (int i = 0; i < 100; ++i)
			running.loop.post([&, i] {
				CPPUNIT_ASSERT(running.loop.inLoopThread());
				order.push_back(i);
				if (i == 99) done.set_value();
			});
		auto finished = done.get_future();
		CPPUNIT_ASSERT(ready(finished));
		for (int i = 0; i < 100; ++i) CPPUNIT_ASSERT_EQUAL(i, order[static_cast<std::size_t>(i)]);
		CPPUNIT_ASSERT(!running.loop.inLoopThread());
	}

	void testAReadyDescriptorCallsItsCallback()
	{
		RunningLoop running;
		Signal signal;
		std::promise<std::uint32_t> fired;
		running.onLoop([&] {
			running.loop.watch(signal.fd, EPOLLIN, [&](std::uint32_t events) {
				signal.drain();
				running.loop.unwatch(signal.fd); // from inside its own callback
				fired.set_value(events);
			});
			return 0;
		});
		signal.raise();
		auto events = fired.get_future();
		CPPUNIT_ASSERT(ready(events));
		CPPUNIT_ASSERT(events.get() & EPOLLIN);
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), running.onLoop([&] { return running.loop.watched(); }));
	}

	void testAnUnwatchedDescriptorIsNotCalledEvenInTheSameBatch()
	{
		RunningLoop running;
		Signal first, second;
		std::atomic<int> calls{0};
		std::promise<void> called;
		const auto onEither = [&](std::uint32_t) {
			if (++calls == 1) called.set_value();
			running.loop.unwatch(first.fd);
			running.loop.unwatch(second.fd);
		};
		running.onLoop([&] {
			// Whichever fires first unwatches the other, which fired in the same batch.
			running.loop.watch(first.fd, EPOLLIN, onEither);
			running.loop.watch(second.fd, EPOLLIN, onEither);
			// Both ready before the loop next waits.
			first.raise();
			second.raise();
			return 0;
		});
		auto firstCall = called.get_future();
		CPPUNIT_ASSERT(ready(firstCall));
		// A posted task runs after the whole batch of events it came in.
		running.onLoop([] { return 0; });
		CPPUNIT_ASSERT_EQUAL(1, calls.load());
	}

	void testTimersRunInOrderOfDueTimeAndCancelledOnesNever()
	{
		RunningLoop running;
		std::vector<std::string> order;
		std::promise<Poco::Timestamp::TimeDiff> done;
		running.onLoop([&] {
			const Poco::Timestamp scheduled;
			running.loop.after(Poco::Timespan(0, 30 * 1000), [&] { order.push_back("30ms"); });
			const auto cancelled = running.loop.after(Poco::Timespan(0, 10 * 1000), [&] { order.push_back("cancelled"); });
			running.loop.after(Poco::Timespan(0), [&] { order.push_back("now"); });
			running.loop.after(Poco::Timespan(0, 60 * 1000), [&, scheduled] { done.set_value(scheduled.elapsed()); });
			CPPUNIT_ASSERT(running.loop.cancel(cancelled));
			CPPUNIT_ASSERT(!running.loop.cancel(cancelled));
			return 0;
		});
		auto finished = done.get_future();
		CPPUNIT_ASSERT(ready(finished));
		CPPUNIT_ASSERT(finished.get() >= 60 * 1000); // no timer runs early
		CPPUNIT_ASSERT((order == std::vector<std::string>{"now", "30ms"}));
	}

	void testStopEndsRunAfterTasksAlreadyPosted()
	{
		EventLoop loop;
		std::atomic<int> ran{0};
		std::thread thread([&] { loop.run(); });
		loop.post([&] { ++ran; });
		loop.post([&] { ++ran; });
		loop.stop();
		thread.join(); // returns: the test would hang here otherwise (CTest's timeout)
		CPPUNIT_ASSERT_EQUAL(2, ran.load());
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(EventLoopTest);
