#include "cluster/Backoff.h"
#include <Poco/Exception.h>
#include <cppunit/extensions/HelperMacros.h>
#include <set>

class BackoffTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(BackoffTest);
	CPPUNIT_TEST(testDelaysDoubleWithinJitterUpToMax);
	CPPUNIT_TEST(testResetStartsOver);
	CPPUNIT_TEST(testJitterSpreadsNodes);
	CPPUNIT_TEST(testBadBoundsAreRefused);
	CPPUNIT_TEST_SUITE_END();

public:
	void testDelaysDoubleWithinJitterUpToMax()
	{
		p2p::Backoff backoff(100, 1000, 42);
		const long ceilings[] = {100, 200, 400, 800, 1000, 1000, 1000};
		for (long ceiling : ceilings)
		{
			const long delay = backoff.next();
			CPPUNIT_ASSERT_MESSAGE(std::to_string(delay), delay >= ceiling / 2 && delay <= ceiling);
		}
	}

	void testResetStartsOver()
	{
		p2p::Backoff backoff(100, 10000, 7);
		for (int i = 0; i < 6; ++i) backoff.next();
		backoff.reset();
		CPPUNIT_ASSERT_EQUAL(0, backoff.attempts());
		CPPUNIT_ASSERT(backoff.next() <= 100);
	}

	void testJitterSpreadsNodes()
	{
		// A hundred nodes retrying after the same failure must not all pick
		// the same moment.
		std::set<long> delays;
		for (Poco::UInt32 seed = 1; seed <= 100; ++seed)
		{
			p2p::Backoff backoff(1000, 60000, seed);
			backoff.next();
			delays.insert(backoff.next());
		}
		CPPUNIT_ASSERT(delays.size() > 50);
	}

	void testBadBoundsAreRefused()
	{
		CPPUNIT_ASSERT_THROW(p2p::Backoff(0, 10, 1), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_THROW(p2p::Backoff(10, 5, 1), Poco::InvalidArgumentException);
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(BackoffTest);
