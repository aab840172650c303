#include "FaultSuite.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace p2p::faults;

/// Every process of a 20-node network SIGKILLed at once, the bootstrap
/// node's too, and started again (a power cut, a botched deploy): the views
/// are whole within 10 s, the bootstrap node shows no node that is not
/// there, and nothing acknowledged is lost.
class RestartFaultTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(RestartFaultTest);
	CPPUNIT_TEST(testEveryNodeKilledAndRestartedTogether);
	CPPUNIT_TEST_SUITE_END();

public:
	void testEveryNodeKilledAndRestartedTogether()
	{
		FaultNetwork network({20, {}, 120});
		History history(network, 1000, "restart-");
		const auto nodes = network.all();
		history.startWriters(4, [&](std::size_t) { return nodes; });
		CPPUNIT_ASSERT(timeUntil([&] { return history.writes().acknowledged >= 1000; }, Poco::Timespan(60, 0)) >= 0);
		history.stopWriters();

		const Poco::Timestamp killed;
		const std::string restarted = network.restart("", true);
		const Poco::Timespan patience(60, 0);
		const double whole = timeUntil([&] { return network.whole(nodes); }, patience);
		const auto registered = network.seenBy(0, "alive");
		const auto ghosts = network.seenBy(0, "suspect");
		const History::Check check = history.check(nodes);
		figure("restart of all 21 processes", restarted.substr(restarted.rfind("restart:")));
		figure("views whole after the SIGKILL", seconds(whole, patience));
		figure("bootstrap's /members", std::to_string(registered.size()) + " alive, " + std::to_string(ghosts.size()) + " suspect");
		figure("after the restart", check.summary());

		CPPUNIT_ASSERT_MESSAGE("views not whole within 10 s", whole >= 0 && whole <= 10);
		CPPUNIT_ASSERT_EQUAL(std::size_t(20), registered.size());
		CPPUNIT_ASSERT_EQUAL_MESSAGE(check.summary(), std::size_t(0), check.lost + check.stale + check.unavailable);
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(RestartFaultTest);
