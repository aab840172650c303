#include "LocalHealth.h"
#include <cppunit/extensions/HelperMacros.h>

using p2p::gossip::LocalHealth;

/// Lifeguard's local health: bounded both ways, and what it stretches.
class LocalHealthTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(LocalHealthTest);
	CPPUNIT_TEST(testAHealthyNodeKeepsItsPeriods);
	CPPUNIT_TEST(testMissesStretchPeriodsUpToTheBound);
	CPPUNIT_TEST(testAnswersBringItBackToZeroAndNoLower);
	CPPUNIT_TEST_SUITE_END();

public:
	void testAHealthyNodeKeepsItsPeriods()
	{
		LocalHealth health;
		CPPUNIT_ASSERT_EQUAL(0, health.score());
		CPPUNIT_ASSERT(health.scaled(Poco::Timespan(0, 500 * 1000)) == Poco::Timespan(0, 500 * 1000));
	}

	void testMissesStretchPeriodsUpToTheBound()
	{
		LocalHealth health;
		health.worse();
		CPPUNIT_ASSERT(health.scaled(Poco::Timespan(0, 500 * 1000)) == Poco::Timespan(1, 0));
		for (int i = 0; i < 3 * LocalHealth::kMax; ++i) health.worse();
		CPPUNIT_ASSERT_EQUAL(LocalHealth::kMax, health.score());
		CPPUNIT_ASSERT(health.scaled(Poco::Timespan(1, 0)) == Poco::Timespan(1 + LocalHealth::kMax, 0));
	}

	void testAnswersBringItBackToZeroAndNoLower()
	{
		LocalHealth health;
		health.worse();
		health.worse();
		health.better();
		CPPUNIT_ASSERT_EQUAL(1, health.score());
		for (int i = 0; i < 5; ++i) health.better();
		CPPUNIT_ASSERT_EQUAL(0, health.score());
		health.worse(); // one miss after many answers counts at once
		CPPUNIT_ASSERT_EQUAL(1, health.score());
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(LocalHealthTest);
