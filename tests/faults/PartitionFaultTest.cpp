#include "FaultSuite.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace p2p::faults;

/// A network of ten cut into halves of five (the bootstrap node with the
/// first), writes on both sides throughout, then healed: nothing
/// acknowledged is lost, the views are whole again within 10 s of the
/// heal, and from 10 s after it every acknowledged key reads back at its
/// acknowledged version or newer through every node.
class PartitionFaultTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(PartitionFaultTest);
	CPPUNIT_TEST(testTwentySecondSplit);
	CPPUNIT_TEST(testSixtySecondSplit);
	CPPUNIT_TEST_SUITE_END();

public:
	void testTwentySecondSplit() { split(Poco::Timespan(20, 0)); }
	void testSixtySecondSplit() { split(Poco::Timespan(60, 0)); }

private:
	static void split(Poco::Timespan length)
	{
		FaultNetwork network({10, {}, 90});
		History history(network, 600, "split" + std::to_string(length.totalSeconds()) + "-");
		const std::vector<int> left{1, 2, 3, 4, 5};
		const std::vector<int> right{6, 7, 8, 9, 10};
		const std::vector<int> leftWithBootstrap{0, 1, 2, 3, 4, 5};
		// Which failures the guarantee covers: writes whose key has W = 2
		// owners on the writer's side of the cut (by the ring before it).
		const auto owners = ownersOf(network, history, 1);
		const auto reachable = [&](std::size_t key, int node) {
			std::size_t near = 0;
			for (const auto& owner : owners[key])
				near += (std::stoi(owner.substr(4)) <= 5) == (node <= 5) ? 1 : 0;
			return near >= 2;
		};
		const auto unreachable = [&](std::size_t key, int node) { return !reachable(key, node); };
		history.startWriters(4, [&](std::size_t writer) { return writer < 2 ? left : right; });
		CPPUNIT_ASSERT(timeUntil([&] { return history.writes().acknowledged >= 300; }, Poco::Timespan(30, 0)) >= 0);

		const Poco::Timestamp cut;
		network.partition(leftWithBootstrap, right);
		hold(length);
		const History::Writes during = history.writes(cut, reachable);
		const History::Writes cutOff = history.writes(cut, unreachable);
		const Poco::Timestamp healed;
		network.heal();
		const Poco::Timespan patience(60, 0);
		const double merged = timeUntil([&] { return network.whole(network.all()); }, patience);
		// From 10 s after the heal every read must be right.
		hold(Poco::Timespan(std::max<Poco::Timestamp::TimeDiff>(0, 10 * 1000000 - healed.elapsed())));
		history.stopWriters();
		const History::Writes after = history.writes(healed);
		const History::Check check = history.check(network.all());

		const std::string what = std::to_string(length.totalSeconds()) + " s split 5 | 5";
		figure(what + ", writes", std::to_string(after.acknowledged) + " acknowledged, " + std::to_string(after.failed) +
		                              " failed");
		figure(what + ", failed writes during the split with W owners on the writer's side",
		       std::to_string(during.failedSince) + (during.failedSince ? ", the last " + std::to_string(during.lastFailureMs) + " ms after the cut" : ""));
		for (const auto& example : during.examples) figure(what + ", a failed write", example);
		figure(what + ", failed writes during the split with fewer than W owners on the writer's side",
		       std::to_string(cutOff.failedSince) + (cutOff.failedSince ? ", the last " + std::to_string(cutOff.lastFailureMs) + " ms after the cut (the ring drops the far side once it is dead)" : ""));
		figure(what + ", failed writes after the heal", std::to_string(after.failedSince));
		for (const auto& example : after.examples) figure(what + ", a failed write after the heal", example);
		figure(what + ", views whole after the heal", seconds(merged, patience));
		figure(what + ", from 10 s after the heal", check.summary());

		CPPUNIT_ASSERT_MESSAGE("views not whole within 10 s of the heal", merged >= 0 && merged <= 10);
		CPPUNIT_ASSERT_EQUAL_MESSAGE(check.summary(), std::size_t(0), check.lost + check.stale);
		CPPUNIT_ASSERT_EQUAL_MESSAGE(check.summary(), std::size_t(0), check.unavailable);
		// Writes that can reach W live owners fail at most for one suspicion
		// period (5 s at its shortest) after the probes that raise it.
		CPPUNIT_ASSERT_MESSAGE(std::to_string(during.lastFailureMs), during.lastFailureMs < 7000);
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), after.failedSince);
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(PartitionFaultTest);
