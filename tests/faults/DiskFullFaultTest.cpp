#include "FaultSuite.h"
#include <Poco/Timestamp.h>
#include <cppunit/extensions/HelperMacros.h>

using namespace p2p::faults;

/// One node's disk fills up (a tmpfs of 4 MiB under its data directory)
/// while clients keep writing through every node: the node keeps running
/// and answers what it cannot store with 507, the others take the writes
/// (W = 2 of the three owners is still there), nothing acknowledged is
/// lost, and once space returns the node stores again.
class DiskFullFaultTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(DiskFullFaultTest);
	CPPUNIT_TEST(testAFullDiskIsAnErrorNotACrash);
	CPPUNIT_TEST_SUITE_END();

public:
	void testAFullDiskIsAnErrorNotACrash()
	{
		FaultNetwork network({6, {}, 60});
		constexpr int kFull = 3;
		network.smallDisk(kFull, 4 << 20);
		CPPUNIT_ASSERT(timeUntil([&] { return network.whole(network.all()); }, Poco::Timespan(30, 0)) >= 0);

		History history(network, 2000, "disk-", 1000);
		const auto nodes = network.all();
		history.startWriters(4, [&](std::size_t) { return nodes; });
		const Poco::Timespan patience(120, 0);
		const double filled = timeUntil([&] { return network.diskFree(kFull) < 64 * 1024; }, patience);
		CPPUNIT_ASSERT_MESSAGE("the small disk never filled", filled >= 0);
		const Poco::Timestamp full;
		hold(Poco::Timespan(10, 0)); // writing on, with the disk full
		const History::Writes writes = history.writes(full);

		// The full node answers 507 for what it would have to store; another does not.
		const auto atFull = replicaPut(network, kFull, "disk-probe");
		const auto elsewhere = replicaPut(network, 4, "disk-probe");
		const bool running = network.http(kFull, "GET", "/health").status == 200;

		network.growDisk(kFull, 64 << 20);
		const auto afterGrowth = replicaPut(network, kFull, "disk-probe-2");
		history.stopWriters();
		const History::Check check = history.check(nodes);

		figure("full disk on one node: filled after", seconds(filled, patience));
		figure("full disk on one node: client writes in the 10 s after", std::to_string(writes.acknowledged) +
		                                                                    " acknowledged in all, " +
		                                                                    std::to_string(writes.failedSince) + " failed");
		figure("full disk on one node: a replica write there", std::to_string(atFull.status) + " " + atFull.body.substr(0, 160));
		figure("full disk on one node: the same write elsewhere", std::to_string(elsewhere.status));
		figure("full disk on one node: once space returned", std::to_string(afterGrowth.status));
		figure("full disk on one node", check.summary());

		CPPUNIT_ASSERT_MESSAGE("the node with the full disk stopped answering", running);
		CPPUNIT_ASSERT_EQUAL_MESSAGE(atFull.body, 507, atFull.status);
		CPPUNIT_ASSERT(p2p::test::jsonObject(atFull.body)->getValue<std::string>("error").find("disk is full") != std::string::npos);
		CPPUNIT_ASSERT_EQUAL(200, elsewhere.status);
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), writes.failedSince);
		CPPUNIT_ASSERT_EQUAL_MESSAGE(afterGrowth.body, 200, afterGrowth.status);
		CPPUNIT_ASSERT_EQUAL_MESSAGE(check.summary(), std::size_t(0), check.lost + check.stale + check.unavailable);
	}

private:
	/// What another node sends a key's owner: PUT /internal/kv/{key}.
	static p2p::test::HttpResult replicaPut(const FaultNetwork& network, int k, const std::string& key)
	{
		// The value travels as JSON text: a string, quoted inside the string.
		const std::string entry = R"({"key": ")" + key + R"(", "value": "\")" + std::string(100000, 'v') +
		                          R"(\"", "timestamp": )" + std::to_string(Poco::Timestamp().epochMicroseconds()) +
		                          R"(, "node": "faults", "deleted": false})";
		return network.http(k, "PUT", "/internal/kv/" + key, entry);
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(DiskFullFaultTest);
