#include "p2p/Metrics.h"
#include <Poco/Exception.h>
#include <atomic>
#include <cppunit/extensions/HelperMacros.h>

class MetricsTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(MetricsTest);
	CPPUNIT_TEST(testCounterRendersWithLabels);
	CPPUNIT_TEST(testSameNameAndLabelsIsSameCounter);
	CPPUNIT_TEST(testLabelValuesAreEscaped);
	CPPUNIT_TEST(testHistogramBucketsAreCumulative);
	CPPUNIT_TEST(testGaugeReadsAtRenderTime);
	CPPUNIT_TEST(testTypeConflictIsRefused);
	CPPUNIT_TEST(testCountsKeptElsewhereAreCounters);
	CPPUNIT_TEST(testAGaugeCannotLookLikeACounter);
	CPPUNIT_TEST_SUITE_END();

public:
	void testCounterRendersWithLabels()
	{
		p2p::MetricsRegistry registry;
		registry.counter("p2p_test_total", "Test things.", {{"route", "GET /x"}}).inc(3);
		const std::string text = registry.render();
		CPPUNIT_ASSERT(contains(text, "# HELP p2p_test_total Test things.\n"));
		CPPUNIT_ASSERT(contains(text, "# TYPE p2p_test_total counter\n"));
		CPPUNIT_ASSERT(contains(text, "p2p_test_total{route=\"GET /x\"} 3\n"));
	}

	void testSameNameAndLabelsIsSameCounter()
	{
		p2p::MetricsRegistry registry;
		p2p::Counter& a = registry.counter("c", "h", {{"k", "v"}});
		p2p::Counter& b = registry.counter("c", "h", {{"k", "v"}});
		p2p::Counter& other = registry.counter("c", "h", {{"k", "w"}});
		CPPUNIT_ASSERT(&a == &b);
		CPPUNIT_ASSERT(&a != &other);
	}

	void testLabelValuesAreEscaped()
	{
		p2p::MetricsRegistry registry;
		registry.counter("c", "h", {{"k", "a\"b\\c\nd"}}).inc();
		CPPUNIT_ASSERT(contains(registry.render(), "c{k=\"a\\\"b\\\\c\\nd\"} 1\n"));
	}

	void testHistogramBucketsAreCumulative()
	{
		p2p::MetricsRegistry registry;
		p2p::Histogram& h = registry.histogram("h_seconds", "Latency.", {}, {0.1, 1});
		h.observe(0.05);
		h.observe(0.1); // on the bound: counts in that bucket
		h.observe(0.5);
		h.observe(7);
		const std::string text = registry.render();
		CPPUNIT_ASSERT(contains(text, "h_seconds_bucket{le=\"0.1\"} 2\n"));
		CPPUNIT_ASSERT(contains(text, "h_seconds_bucket{le=\"1\"} 3\n"));
		CPPUNIT_ASSERT(contains(text, "h_seconds_bucket{le=\"+Inf\"} 4\n"));
		CPPUNIT_ASSERT(contains(text, "h_seconds_count 4\n"));
		CPPUNIT_ASSERT_DOUBLES_EQUAL(7.65, h.sum(), 1e-9);
	}

	void testGaugeReadsAtRenderTime()
	{
		p2p::MetricsRegistry registry;
		int value = 1;
		registry.gauge("g", "h", {}, [&] { return static_cast<double>(value); });
		value = 42;
		CPPUNIT_ASSERT(contains(registry.render(), "g 42\n"));
	}

	void testCountsKeptElsewhereAreCounters()
	{
		p2p::MetricsRegistry registry;
		std::atomic<int> seen{3};
		registry.counted("p2p_x_seen_total", "Things seen.", {{"kind", "a"}}, [&] { return static_cast<double>(seen.load()); });
		registry.counter("p2p_x_seen_total", "Things seen.", {{"kind", "b"}}).inc(2); // one family, two ways to count
		seen = 5;
		const std::string text = registry.render();
		CPPUNIT_ASSERT(contains(text, "# TYPE p2p_x_seen_total counter\n"));
		CPPUNIT_ASSERT(contains(text, "p2p_x_seen_total{kind=\"a\"} 5\n"));
		CPPUNIT_ASSERT(contains(text, "p2p_x_seen_total{kind=\"b\"} 2\n"));
	}

	void testAGaugeCannotLookLikeACounter()
	{
		p2p::MetricsRegistry registry;
		// rate() over a gauge named like a counter is wrong without a warning.
		CPPUNIT_ASSERT_THROW(registry.gauge("p2p_x_things_total", "h", {}, [] { return 1.0; }), Poco::InvalidArgumentException);
		registry.gauge("p2p_x_things", "h", {}, [] { return 1.0; });
	}

	void testTypeConflictIsRefused()
	{
		p2p::MetricsRegistry registry;
		registry.counter("x", "h");
		CPPUNIT_ASSERT_THROW(registry.gauge("x", "h", {}, [] { return 0.0; }), Poco::InvalidArgumentException);
	}

private:
	static bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MetricsTest);
