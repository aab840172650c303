#include "FaultSuite.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace p2p::faults;

/// A node stopped with SIGSTOP, as a long GC pause, a swapped-out process
/// or a VM migration stops one: 3 s is not long enough to be declared
/// dead; 30 s is, and it is alive everywhere within 5 s of SIGCONT. While
/// it is stopped, the keys it owns keep being written through the other
/// nodes without a single failure: their other owners are there.
class PauseFaultTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(PauseFaultTest);
	CPPUNIT_TEST(testShortAndLongPauses);
	CPPUNIT_TEST_SUITE_END();

public:
	void testShortAndLongPauses()
	{
		FaultNetwork network({10, {}, 90});
		constexpr int kPaused = 3;
		History history(network, 600, "pause-");
		const auto owners = ownersOf(network, history, 1);
		// Only the keys the paused node owns, first, second or third.
		history.skipKeys([&](std::size_t i) {
			return std::find(owners[i].begin(), owners[i].end(), FaultNetwork::name(kPaused)) == owners[i].end();
		});
		std::vector<int> others;
		for (const int k : network.all())
			if (k != kPaused) others.push_back(k);
		history.startWriters(4, [&](std::size_t) { return others; });
		CPPUNIT_ASSERT(timeUntil([&] { return history.writes().acknowledged >= 100; }, Poco::Timespan(30, 0)) >= 0);

		// 3 s: nobody declares it dead.
		Poco::Timestamp start;
		network.pause(kPaused);
		bool declaredDead = false;
		while (!start.isElapsed(3 * 1000000))
			for (const int k : others) declaredDead = declaredDead || network.seenBy(k, "dead").count(FaultNetwork::name(kPaused));
		network.resume(kPaused);
		const History::Writes shortPause = history.writes(start);
		const Poco::Timespan patience(30, 0);
		const double shortBack = timeUntil([&] { return network.whole(network.all()); }, patience);
		figure("3 s pause, declared dead by any node", declaredDead ? "yes" : "no");
		figure("3 s pause, failed writes of its keys", std::to_string(shortPause.failedSince));
		figure("3 s pause, views whole after it", seconds(shortBack, patience));

		// 30 s: dead everywhere, and back everywhere within 5 s of resuming.
		start.update();
		network.pause(kPaused);
		const double dead = timeUntil([&] {
			for (const int k : others)
				if (!network.seenBy(k, "dead").count(FaultNetwork::name(kPaused))) return false;
			return true;
		}, patience);
		hold(Poco::Timespan(std::max<Poco::Timestamp::TimeDiff>(0, 30 * 1000000 - start.elapsed())));
		const History::Writes longPause = history.writes(start);
		network.resume(kPaused);
		const double back = timeUntil([&] { return network.whole(network.all()); }, patience);
		history.stopWriters();
		const History::Check check = history.check(network.all());
		figure("30 s pause, dead everywhere after", seconds(dead, patience));
		figure("30 s pause, alive everywhere after SIGCONT", seconds(back, patience));
		figure("30 s pause, failed writes of its keys", std::to_string(longPause.failedSince) + " of " +
		                                                    std::to_string(longPause.acknowledged) + " acknowledged in all");
		figure("after both pauses", check.summary());

		CPPUNIT_ASSERT_MESSAGE("a 3 s pause was declared dead", !declaredDead);
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), shortPause.failedSince);
		CPPUNIT_ASSERT_MESSAGE("a 30 s pause was not declared dead everywhere", dead >= 0);
		CPPUNIT_ASSERT_MESSAGE("not alive everywhere within 5 s of SIGCONT", back >= 0 && back <= 5);
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), longPause.failedSince);
		CPPUNIT_ASSERT_EQUAL_MESSAGE(check.summary(), std::size_t(0), check.lost + check.stale + check.unavailable);
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(PauseFaultTest);
