#ifndef P2P_Metrics_INCLUDED
#define P2P_Metrics_INCLUDED

#include "p2p/Export.h"

#include <Poco/Mutex.h>
#include <Poco/Types.h>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace p2p {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

/// A monotonically increasing count. Lock-free; safe from any thread.
class P2P_API Counter
{
public:
	void inc(Poco::UInt64 n = 1) noexcept { _value.fetch_add(n, std::memory_order_relaxed); }
	Poco::UInt64 value() const noexcept { return _value.load(std::memory_order_relaxed); }

private:
	std::atomic<Poco::UInt64> _value{0};
};

/// Counts observations into fixed buckets (Prometheus histogram semantics:
/// a bucket counts the observations <= its upper bound). Lock-free.
class P2P_API Histogram
{
public:
	explicit Histogram(std::vector<double> upperBounds);

	void observe(double value) noexcept;

	const std::vector<double>& upperBounds() const { return _bounds; }
	/// Per-bucket counts, not cumulative; one more than upperBounds() (+Inf).
	std::vector<Poco::UInt64> bucketCounts() const;
	double sum() const;
	Poco::UInt64 count() const;

	/// 1 ms .. 10 s, for request durations in seconds.
	static std::vector<double> latencyBounds();

private:
	std::vector<double> _bounds;
	std::unique_ptr<std::atomic<Poco::UInt64>[]> _buckets;
	std::atomic<double> _sum{0};
};

/// The node's metrics, rendered in the Prometheus text format at /metrics.
/// Names follow p2p_<plugin>_<what>_<unit>. Registration takes a lock and
/// returns a reference that stays valid for the registry's life: look a
/// metric up once, keep the reference, and update it on the hot path.
/// Gauge callbacks run on the thread serving /metrics, and only while the
/// HTTP server runs (plugins are stopped after it), so they may read a
/// plugin's state as long as they lock what they read.
class P2P_API MetricsRegistry
{
public:
	Counter& counter(const std::string& name, const std::string& help, const MetricLabels& labels = {});
	Histogram& histogram(const std::string& name, const std::string& help, const MetricLabels& labels,
	                     const std::vector<double>& upperBounds);
	/// A value read on each scrape that may go up and down. Its name must
	/// not end in _total (Prometheus's mark of a counter): that throws
	/// Poco::InvalidArgumentException, so rate() is never applied to a gauge.
	void gauge(const std::string& name, const std::string& help, const MetricLabels& labels,
	           std::function<double()> read);
	/// A counter whose count is kept elsewhere (an atomic a component keeps
	/// anyway), read on each scrape and exposed as TYPE counter. read must
	/// never go down while the process runs.
	void counted(const std::string& name, const std::string& help, const MetricLabels& labels,
	             std::function<double()> read);

	/// Text exposition format 0.0.4.
	std::string render() const;

private:
	enum class Type { Counter, Gauge, Histogram };
	struct Family
	{
		Type type;
		std::string help;
		std::map<std::string, std::unique_ptr<Counter>> counters;
		std::map<std::string, std::unique_ptr<Histogram>> histograms;
		std::map<std::string, std::function<double()>> reads; ///< gauges, and counters counted elsewhere
	};

	Family& family(const std::string& name, Type type, const std::string& help);

	mutable Poco::FastMutex _mutex;
	std::map<std::string, Family> _families;
};

} // namespace p2p

#endif
