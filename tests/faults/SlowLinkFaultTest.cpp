#include "FaultSuite.h"
#include <Poco/JSON/Object.h>
#include <cppunit/extensions/HelperMacros.h>

using namespace p2p::faults;

/// Every link of a 20-node network slowed to 150-250 ms each way with 5%
/// of packets lost, for 120 s (a congested WAN): plain SWIM declares live
/// nodes dead on such links; with Lifeguard none is, while a node that is
/// really killed meanwhile is dead everywhere within 15 s.
class SlowLinkFaultTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(SlowLinkFaultTest);
	CPPUNIT_TEST(testNoLiveNodeIsDeclaredDead);
	CPPUNIT_TEST_SUITE_END();

public:
	void testNoLiveNodeIsDeclaredDead()
	{
		FaultNetwork network({20, {}, 120});
		const auto nodes = network.all();
		for (const int k : nodes) network.degrade(k, 150, 250, 0.05);
		const Poco::Timestamp start;

		// Who held whom suspect, as seen every few seconds, and the verdicts
		// the nodes themselves gave (their own declarations of death).
		std::set<std::pair<int, std::string>> suspectPairs;
		auto verdicts = [&] {
			double total = 0;
			for (const int k : nodes)
			{
				const auto state = network.http(k, "GET", "/gossip/state");
				if (state.status == 200) total += p2p::test::jsonObject(state.body)->getValue<double>("declared_dead");
			}
			return total;
		};
		const double before = verdicts();
		while (!start.isElapsed(100 * 1000000))
		{
			for (const int k : nodes)
				for (const auto& id : network.seenBy(k, "suspect")) suspectPairs.insert({k, id});
			hold(Poco::Timespan(2, 0));
		}
		const double falseVerdicts = verdicts() - before;

		// One node really dies, with 20 s of the slow links left.
		constexpr int kVictim = 7;
		network.kill(kVictim);
		const Poco::Timespan patience(20, 0);
		const double dead = timeUntil([&] {
			for (const int k : nodes)
				if (k != kVictim && !network.seenBy(k, "dead").count(FaultNetwork::name(kVictim))) return false;
			return true;
		}, patience);
		hold(Poco::Timespan(std::max<Poco::Timestamp::TimeDiff>(0, 120 * 1000000 - start.elapsed())));
		network.restore();

		figure("150-250 ms and 5% loss on every link, 100 s: live nodes declared dead", std::to_string(static_cast<int>(falseVerdicts)));
		figure("150-250 ms and 5% loss on every link, 100 s: observer-target pairs seen suspect", std::to_string(suspectPairs.size()));
		figure("150-250 ms and 5% loss: a SIGKILLed node dead everywhere after", seconds(dead, patience));

		CPPUNIT_ASSERT_EQUAL_MESSAGE("live nodes declared dead on slow links", 0.0, falseVerdicts);
		CPPUNIT_ASSERT_MESSAGE("the killed node was not dead everywhere within 15 s", dead >= 0 && dead <= 15);
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(SlowLinkFaultTest);
