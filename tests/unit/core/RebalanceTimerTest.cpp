#include "TestSupport.h"
#include "p2p/Membership.h"
#include "p2p/RebalanceTimer.h"
#include <Poco/Thread.h>
#include <cppunit/extensions/HelperMacros.h>
#include <atomic>
#include <mutex>
#include <vector>

using p2p::Member;
using p2p::Membership;
using p2p::RebalanceTimer;

/// When kvstore and filestore move their data: a settle time after the view
/// last changed, every interval besides, and once after start.
class RebalanceTimerTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(RebalanceTimerTest);
	CPPUNIT_TEST(testAPassFollowsStartAndEachSettledChange);
	CPPUNIT_TEST(testAStreamOfChangesCostsOnePass);
	CPPUNIT_TEST(testAQuietViewIsPassedOverEveryInterval);
	CPPUNIT_TEST(testStopEndsTheThreadAndFollowsTheViewNoMore);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_view = std::make_unique<Membership>(p2p::NodeIdentity{"me", "http://me:1"});
		_passes.clear();
	}

	void testAPassFollowsStartAndEachSettledChange()
	{
		RebalanceTimer timer(*_view, Poco::Timespan(0, 50 * 1000), Poco::Timespan(3600, 0), record());
		timer.start();
		CPPUNIT_ASSERT(p2p::test::eventually([&] { return passes().size() == 1; }));
		CPPUNIT_ASSERT(passes()[0]); // the catch-up pass after start counts as after a change
		join("a");
		CPPUNIT_ASSERT(p2p::test::eventually([&] { return passes().size() == 2; }));
		CPPUNIT_ASSERT(passes()[1]);
		timer.stop();
	}

	void testAStreamOfChangesCostsOnePass()
	{
		RebalanceTimer timer(*_view, Poco::Timespan(1, 0), Poco::Timespan(3600, 0), record());
		timer.start();
		CPPUNIT_ASSERT(p2p::test::eventually([&] { return passes().size() == 1; }));
		// Changes 20 ms apart for 400 ms: never a second of quiet, so no pass.
		for (int i = 0; i < 20; ++i)
		{
			join("m" + std::to_string(i));
			Poco::Thread::sleep(20); // the spacing under test, not a wait for a result
		}
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), passes().size());
		CPPUNIT_ASSERT(p2p::test::eventually([&] { return passes().size() == 2; }));
		timer.stop();
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), passes().size());
	}

	void testAQuietViewIsPassedOverEveryInterval()
	{
		RebalanceTimer timer(*_view, Poco::Timespan(0, 10 * 1000), Poco::Timespan(0, 100 * 1000), record());
		timer.start();
		CPPUNIT_ASSERT(p2p::test::eventually([&] { return passes().size() >= 3; }));
		timer.stop();
		const auto all = passes();
		for (std::size_t i = 1; i < all.size(); ++i) CPPUNIT_ASSERT(!all[i]); // nothing changed since the first
	}

	void testStopEndsTheThreadAndFollowsTheViewNoMore()
	{
		{
			RebalanceTimer timer(*_view, Poco::Timespan(0, 10 * 1000), Poco::Timespan(3600, 0), record());
			timer.start();
			CPPUNIT_ASSERT(p2p::test::eventually([&] { return passes().size() == 1; }));
			timer.stop();
			timer.stop(); // twice is harmless
		}
		join("late"); // no listener left to call
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), passes().size());
	}

private:
	RebalanceTimer::Pass record()
	{
		return [this](bool afterChange) {
			std::lock_guard<std::mutex> lock(_mutex);
			_passes.push_back(afterChange);
		};
	}

	std::vector<bool> passes()
	{
		std::lock_guard<std::mutex> lock(_mutex);
		return _passes;
	}

	void join(const std::string& id)
	{
		Member member;
		member.id = id;
		member.url = "http://" + id + ":1";
		_view->update(member);
	}

	std::unique_ptr<Membership> _view;
	std::mutex _mutex;
	std::vector<bool> _passes;
};

CPPUNIT_TEST_SUITE_REGISTRATION(RebalanceTimerTest);
