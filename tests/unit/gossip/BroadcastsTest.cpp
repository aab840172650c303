#include "Broadcasts.h"
#include <cppunit/extensions/HelperMacros.h>
#include <algorithm>

using p2p::gossip::Broadcasts;

/// The queue of news a node spreads: bounded sends per change, newest and
/// least sent first, nothing once spread.
class BroadcastsTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(BroadcastsTest);
	CPPUNIT_TEST(testAChangeIsSentItsLimitThenForgotten);
	CPPUNIT_TEST(testTheLimitGrowsWithTheLogOfTheNetwork);
	CPPUNIT_TEST(testLeastSentNewsGoesFirst);
	CPPUNIT_TEST(testANewChangeStartsItsCountAgain);
	CPPUNIT_TEST_SUITE_END();

public:
	void testAChangeIsSentItsLimitThenForgotten()
	{
		Broadcasts news(2);
		news.changed("m1");
		const std::size_t limit = news.limit(100); // 2 x ceil(log10(101)) = 6
		CPPUNIT_ASSERT_EQUAL(std::size_t(6), limit);
		for (std::size_t i = 0; i < limit; ++i)
		{
			const auto taken = news.take(10, 100);
			CPPUNIT_ASSERT_EQUAL(std::size_t(1), taken.size());
			CPPUNIT_ASSERT_EQUAL(std::string("m1"), taken.front());
		}
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), news.pending());
		CPPUNIT_ASSERT(news.take(10, 100).empty()); // a quiet network sends no entries
	}

	void testTheLimitGrowsWithTheLogOfTheNetwork()
	{
		Broadcasts news(4);
		CPPUNIT_ASSERT_EQUAL(std::size_t(4), news.limit(1));
		CPPUNIT_ASSERT_EQUAL(std::size_t(4), news.limit(9));
		CPPUNIT_ASSERT_EQUAL(std::size_t(8), news.limit(10));
		CPPUNIT_ASSERT_EQUAL(std::size_t(12), news.limit(101));
		CPPUNIT_ASSERT_EQUAL(std::size_t(16), news.limit(1001));
	}

	void testLeastSentNewsGoesFirst()
	{
		Broadcasts news(4);
		news.changed("old");
		CPPUNIT_ASSERT_EQUAL(std::string("old"), news.take(1, 10).front()); // sent once
		news.changed("a");
		news.changed("b");
		// What was never sent goes before what was, the newest first.
		CPPUNIT_ASSERT_EQUAL(std::string("b"), news.take(1, 10).front());
		CPPUNIT_ASSERT_EQUAL(std::string("a"), news.take(1, 10).front());
		auto all = news.take(10, 10);
		std::sort(all.begin(), all.end());
		CPPUNIT_ASSERT(all == (std::vector<std::string>{"a", "b", "old"}));
	}

	void testANewChangeStartsItsCountAgain()
	{
		Broadcasts news(1);
		news.changed("m");
		news.take(1, 5); // limit 1 x ceil(log10(6)) = 1: sent, forgotten
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), news.pending());
		news.changed("m");
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), news.pending());
		news.changed("m"); // the same member again: still one entry
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), news.take(5, 5).size());
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(BroadcastsTest);
