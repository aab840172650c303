#include "cluster/LatencyWindow.h"
#include <cppunit/extensions/HelperMacros.h>

using p2p::LatencyWindow;

/// The hedge delay: twice the 99th percentile of recent answers, bounded.
class LatencyWindowTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(LatencyWindowTest);
	CPPUNIT_TEST(testBeforeEnoughSamplesTheDefaultHolds);
	CPPUNIT_TEST(testTwiceTheNinetyNinthPercentile);
	CPPUNIT_TEST(testBoundedBelowAndAbove);
	CPPUNIT_TEST(testOnlyTheRecentWindowCounts);
	CPPUNIT_TEST_SUITE_END();

public:
	void testBeforeEnoughSamplesTheDefaultHolds()
	{
		LatencyWindow window;
		for (std::size_t i = 0; i + 1 < LatencyWindow::kRecomputeEvery; ++i) window.record(1000 * 1000);
		CPPUNIT_ASSERT_EQUAL(Poco::Timespan::TimeDiff(LatencyWindow::kWithoutSamples), window.hedgeDelay().totalMicroseconds());
	}

	void testTwiceTheNinetyNinthPercentile()
	{
		LatencyWindow window;
		// 512 answers: 500 of 10 ms, 12 of 200 ms (over 1%): the slow ones set it.
		for (std::size_t i = 0; i < LatencyWindow::kSize; ++i) window.record(i % 43 == 0 ? 200 * 1000 : 10 * 1000);
		CPPUNIT_ASSERT_EQUAL(Poco::Timespan::TimeDiff(400 * 1000), window.hedgeDelay().totalMicroseconds());
		// Fewer than 1% slow: the common answer sets it.
		LatencyWindow fast;
		for (std::size_t i = 0; i < LatencyWindow::kSize; ++i) fast.record(i == 7 ? 900 * 1000 : 20 * 1000);
		CPPUNIT_ASSERT_EQUAL(Poco::Timespan::TimeDiff(40 * 1000), fast.hedgeDelay().totalMicroseconds());
	}

	void testBoundedBelowAndAbove()
	{
		LatencyWindow quick;
		for (std::size_t i = 0; i < LatencyWindow::kSize; ++i) quick.record(100); // 0.1 ms
		CPPUNIT_ASSERT_EQUAL(Poco::Timespan::TimeDiff(LatencyWindow::kFloor), quick.hedgeDelay().totalMicroseconds());
		LatencyWindow slow;
		for (std::size_t i = 0; i < LatencyWindow::kSize; ++i) slow.record(5 * 1000 * 1000);
		CPPUNIT_ASSERT_EQUAL(Poco::Timespan::TimeDiff(LatencyWindow::kCeiling), slow.hedgeDelay().totalMicroseconds());
	}

	void testOnlyTheRecentWindowCounts()
	{
		LatencyWindow window;
		for (std::size_t i = 0; i < LatencyWindow::kSize; ++i) window.record(300 * 1000);
		for (std::size_t i = 0; i < LatencyWindow::kSize; ++i) window.record(15 * 1000); // the old ones overwritten
		CPPUNIT_ASSERT_EQUAL(Poco::Timespan::TimeDiff(30 * 1000), window.hedgeDelay().totalMicroseconds());
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(LatencyWindowTest);
