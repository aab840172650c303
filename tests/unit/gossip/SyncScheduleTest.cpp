#include "SyncSchedule.h"
#include <cppunit/extensions/HelperMacros.h>
#include <set>

using p2p::gossip::SyncSchedule;

/// When syncs come and which seeds a node joins through: all of them until
/// one answers, then one now and then.
class SyncScheduleTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(SyncScheduleTest);
	CPPUNIT_TEST(testTheFirstSyncIsDueAtOnceTheNextAfterTheInterval);
	CPPUNIT_TEST(testEverySeedIsTriedEachPeriodUntilOneAnswers);
	CPPUNIT_TEST(testThenOneRandomSeedEverySeedRounds);
	CPPUNIT_TEST(testANodeIsNotItsOwnSeed);
	CPPUNIT_TEST_SUITE_END();

public:
	void testTheFirstSyncIsDueAtOnceTheNextAfterTheInterval()
	{
		SyncSchedule schedule(Poco::Timespan(3600, 0), {}, "http://self:1");
		CPPUNIT_ASSERT(schedule.syncDue());
		schedule.synced();
		CPPUNIT_ASSERT(!schedule.syncDue());

		SyncSchedule everyTime(Poco::Timespan(0), {}, "http://self:1");
		everyTime.synced();
		CPPUNIT_ASSERT(everyTime.syncDue());
	}

	void testEverySeedIsTriedEachPeriodUntilOneAnswers()
	{
		SyncSchedule schedule(Poco::Timespan(30, 0), {"http://s1:1", "http://s2:1"}, "http://self:1");
		for (Poco::UInt64 round = 1; round <= 3; ++round)
			CPPUNIT_ASSERT((schedule.seedsFor(round) == std::vector<std::string>{"http://s1:1", "http://s2:1"}));
		CPPUNIT_ASSERT(!schedule.seedHasAnswered());
		schedule.seedAnswered();
		CPPUNIT_ASSERT(schedule.seedHasAnswered());
		CPPUNIT_ASSERT(schedule.seedsFor(4).empty());
	}

	void testThenOneRandomSeedEverySeedRounds()
	{
		SyncSchedule schedule(Poco::Timespan(30, 0), {"http://s1:1", "http://s2:1", "http://s3:1"}, "http://self:1");
		schedule.seedAnswered();
		std::set<std::string> chosen;
		for (Poco::UInt64 round = 1; round <= 200 * SyncSchedule::kSeedRounds; ++round)
		{
			const auto seeds = schedule.seedsFor(round);
			CPPUNIT_ASSERT_EQUAL(round % SyncSchedule::kSeedRounds == 0 ? std::size_t(1) : std::size_t(0), seeds.size());
			if (!seeds.empty()) chosen.insert(seeds.front());
		}
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), chosen.size()); // 200 draws of 3
	}

	void testANodeIsNotItsOwnSeed()
	{
		SyncSchedule schedule(Poco::Timespan(30, 0), {"http://self:1", "http://s1:1"}, "http://self:1");
		CPPUNIT_ASSERT((schedule.seedsFor(1) == std::vector<std::string>{"http://s1:1"}));
		SyncSchedule alone(Poco::Timespan(30, 0), {"http://self:1"}, "http://self:1");
		CPPUNIT_ASSERT(alone.seedsFor(SyncSchedule::kSeedRounds).empty());
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(SyncScheduleTest);
