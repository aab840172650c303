#include "p2p/Metrics.h"
#include <Poco/Exception.h>
#include <Poco/NumberFormatter.h>
#include <algorithm>
#include <cmath>
#include <sstream>

namespace p2p {

namespace {

std::string escapeLabelValue(const std::string& value)
{
	std::string out;
	out.reserve(value.size());
	for (char c : value)
	{
		switch (c)
		{
		case '\\': out += "\\\\"; break;
		case '"': out += "\\\""; break;
		case '\n': out += "\\n"; break;
		default: out += c;
		}
	}
	return out;
}

/// `k1="v1",k2="v2"` without braces, so a histogram can append `le`.
std::string labelText(const MetricLabels& labels)
{
	std::string out;
	for (const auto& [key, value] : labels)
	{
		if (!out.empty()) out += ',';
		out += key + "=\"" + escapeLabelValue(value) + "\"";
	}
	return out;
}

std::string braced(const std::string& labels)
{
	return labels.empty() ? std::string() : "{" + labels + "}";
}

std::string number(double value)
{
	if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
	if (std::isnan(value)) return "NaN";
	if (value == std::floor(value) && std::fabs(value) < 1e15)
		return Poco::NumberFormatter::format(static_cast<Poco::Int64>(value));
	return Poco::NumberFormatter::format(value);
}

} // namespace

Histogram::Histogram(std::vector<double> upperBounds):
	_bounds(std::move(upperBounds)),
	_buckets(new std::atomic<Poco::UInt64>[_bounds.size() + 1])
{
	if (!std::is_sorted(_bounds.begin(), _bounds.end()))
		throw Poco::InvalidArgumentException("histogram bounds must be ascending");
	for (std::size_t i = 0; i <= _bounds.size(); ++i) _buckets[i].store(0);
}

void Histogram::observe(double value) noexcept
{
	auto bucket = std::lower_bound(_bounds.begin(), _bounds.end(), value) - _bounds.begin();
	_buckets[bucket].fetch_add(1, std::memory_order_relaxed);
	double sum = _sum.load(std::memory_order_relaxed);
	while (!_sum.compare_exchange_weak(sum, sum + value, std::memory_order_relaxed))
	{
	}
}

std::vector<Poco::UInt64> Histogram::bucketCounts() const
{
	std::vector<Poco::UInt64> counts(_bounds.size() + 1);
	for (std::size_t i = 0; i < counts.size(); ++i) counts[i] = _buckets[i].load(std::memory_order_relaxed);
	return counts;
}

double Histogram::sum() const
{
	return _sum.load(std::memory_order_relaxed);
}

Poco::UInt64 Histogram::count() const
{
	Poco::UInt64 total = 0;
	for (auto n : bucketCounts()) total += n;
	return total;
}

std::vector<double> Histogram::latencyBounds()
{
	return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

MetricsRegistry::Family& MetricsRegistry::family(const std::string& name, Type type, const std::string& help)
{
	auto it = _families.find(name);
	if (it == _families.end())
	{
		it = _families.emplace(name, Family{type, help, {}, {}, {}}).first;
	}
	else if (it->second.type != type)
	{
		throw Poco::InvalidArgumentException("metric '" + name + "' is already registered with another type");
	}
	return it->second;
}

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help, const MetricLabels& labels)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	auto& slot = family(name, Type::Counter, help).counters[labelText(labels)];
	if (!slot) slot = std::make_unique<Counter>();
	return *slot;
}

Histogram& MetricsRegistry::histogram(const std::string& name, const std::string& help, const MetricLabels& labels,
                                      const std::vector<double>& upperBounds)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	auto& slot = family(name, Type::Histogram, help).histograms[labelText(labels)];
	if (!slot) slot = std::make_unique<Histogram>(upperBounds);
	return *slot;
}

void MetricsRegistry::gauge(const std::string& name, const std::string& help, const MetricLabels& labels,
                            std::function<double()> read)
{
	if (name.size() >= 6 && name.compare(name.size() - 6, 6, "_total") == 0)
		throw Poco::InvalidArgumentException("metric '" + name + "' ends in _total, which marks a counter: register it with counted()");
	Poco::FastMutex::ScopedLock lock(_mutex);
	family(name, Type::Gauge, help).reads[labelText(labels)] = std::move(read);
}

void MetricsRegistry::counted(const std::string& name, const std::string& help, const MetricLabels& labels,
                              std::function<double()> read)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	family(name, Type::Counter, help).reads[labelText(labels)] = std::move(read);
}

std::string MetricsRegistry::render() const
{
	static const char* const typeNames[] = {"counter", "gauge", "histogram"};
	std::ostringstream out;
	Poco::FastMutex::ScopedLock lock(_mutex);
	for (const auto& [name, family] : _families)
	{
		out << "# HELP " << name << ' ' << family.help << '\n';
		out << "# TYPE " << name << ' ' << typeNames[static_cast<int>(family.type)] << '\n';
		for (const auto& [labels, counter] : family.counters)
			out << name << braced(labels) << ' ' << counter->value() << '\n';
		for (const auto& [labels, read] : family.reads)
			out << name << braced(labels) << ' ' << number(read()) << '\n';
		for (const auto& [labels, histogram] : family.histograms)
		{
			const std::string prefix = labels.empty() ? "" : labels + ",";
			const auto counts = histogram->bucketCounts();
			const auto& bounds = histogram->upperBounds();
			Poco::UInt64 cumulative = 0;
			for (std::size_t i = 0; i < counts.size(); ++i)
			{
				cumulative += counts[i];
				const std::string le = i < bounds.size() ? number(bounds[i]) : "+Inf";
				out << name << "_bucket{" << prefix << "le=\"" << le << "\"} " << cumulative << '\n';
			}
			out << name << "_sum" << braced(labels) << ' ' << number(histogram->sum()) << '\n';
			out << name << "_count" << braced(labels) << ' ' << cumulative << '\n';
		}
	}
	return out.str();
}

} // namespace p2p
