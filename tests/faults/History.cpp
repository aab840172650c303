#include "History.h"
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/URI.h>
#include <sstream>

namespace p2p::faults {

namespace {

std::string encoded(const std::string& key)
{
	std::string out;
	Poco::URI::encode(key, "/?#&=+ ", out);
	return out;
}

/// The seq of a GET /kv answer's value; -1 when it has none.
Poco::Int64 seqOf(const std::string& body)
{
	try
	{
		const auto answer = test::jsonObject(body);
		const auto value = answer->getObject("value");
		return value ? value->getValue<Poco::Int64>("seq") : -1;
	}
	catch (const Poco::Exception&)
	{
		return -1;
	}
}

} // namespace

History::History(const FaultNetwork& network, std::size_t keys, std::string prefix, std::size_t padding):
	_network(network),
	_prefix(std::move(prefix)),
	_padding(padding ? ", \"pad\": \"" + std::string(padding, 'p') + "\"" : ""),
	_acknowledged(keys),
	_sent(keys)
{
	for (std::size_t i = 0; i < keys; ++i)
	{
		_acknowledged[i] = 0;
		_sent[i] = 0;
	}
}

History::~History()
{
	stopWriters();
}

void History::skipKeys(std::function<bool(std::size_t)> skip)
{
	_skip = std::move(skip);
}

void History::startWriters(std::size_t writers, Route route, Poco::Timespan limit)
{
	stopWriters();
	_stop = false;
	const Poco::Timestamp until = Poco::Timestamp() + limit.totalMicroseconds();
	for (std::size_t w = 0; w < writers; ++w)
		_writers.emplace_back([this, w, writers, route, until] { write(w, writers, route, until); });
}

void History::stopWriters()
{
	_stop = true;
	for (auto& writer : _writers) writer.join();
	_writers.clear();
}

void History::write(std::size_t writer, std::size_t writers, const Route& route, Poco::Timestamp until)
{
	std::size_t turn = 0;
	while (!_stop && Poco::Timestamp() < until)
	{
		bool wrote = false;
		for (std::size_t i = writer; i < _acknowledged.size() && !_stop; i += writers)
		{
			if (_skip && _skip(i)) continue;
			const std::vector<int> through = route(writer);
			if (through.empty()) break;
			const int node = through[turn++ % through.size()];
			const Poco::Int64 seq = ++_sent[i];
			const Poco::Timestamp sentAt;
			const auto answer = _network.http(node, "PUT", "/kv/" + encoded(key(i)), "{\"seq\": " + std::to_string(seq) + _padding + "}",
			                                  Poco::Timespan(5, 0));
			wrote = true;
			if (answer.status == 200)
			{
				Poco::Int64 known = _acknowledged[i].load();
				while (known < seq && !_acknowledged[i].compare_exchange_weak(known, seq))
				{
				}
				++_acks;
			}
			else
			{
				std::lock_guard<std::mutex> lock(_mutex);
				_failures.push_back({sentAt, i, node, answer.status, answer.body.substr(0, 300)});
			}
		}
		if (!wrote) std::this_thread::sleep_for(std::chrono::milliseconds(50)); // nothing to write to: no busy loop
	}
}

History::Writes History::writes(const Poco::Timestamp& since, const std::function<bool(std::size_t, int)>& counted) const
{
	Writes result;
	result.acknowledged = _acks.load();
	std::lock_guard<std::mutex> lock(_mutex);
	result.failed = _failures.size();
	for (const auto& failure : _failures)
	{
		if (failure.at < since || (counted && !counted(failure.key, failure.node))) continue;
		++result.failedSince;
		result.lastFailureMs = std::max(result.lastFailureMs, (failure.at - since) / 1000);
	}
	for (auto it = _failures.rbegin(); it != _failures.rend() && result.examples.size() < 5; ++it)
		if (it->at >= since && (!counted || counted(it->key, it->node)))
			result.examples.push_back(std::to_string((it->at - since) / 1000) + " ms, through " + FaultNetwork::name(it->node) +
			                          ": " + (it->status ? std::to_string(it->status) + " " + it->body : "no answer"));
	return result;
}

std::string History::Check::summary() const
{
	std::ostringstream out;
	out << reads << " reads of acknowledged keys: " << right << " right, " << lost << " answered 404, " << stale
	    << " an older value, " << unavailable << " unavailable";
	for (const auto& example : examples) out << "\n    " << example;
	return out.str();
}

History::Check History::check(const std::vector<int>& readers) const
{
	std::vector<Check> parts(readers.size());
	std::vector<std::thread> threads;
	for (std::size_t r = 0; r < readers.size(); ++r)
	{
		threads.emplace_back([this, r, &readers, &parts] {
			Check& part = parts[r];
			for (std::size_t i = 0; i < _acknowledged.size(); ++i)
			{
				const Poco::Int64 acknowledged = _acknowledged[i].load();
				if (acknowledged == 0) continue;
				++part.reads;
				const auto answer = _network.http(readers[r], "GET", "/kv/" + encoded(key(i)));
				const Poco::Int64 seq = answer.status == 200 ? seqOf(answer.body) : -1;
				std::string problem;
				if (answer.status == 404)
				{
					++part.lost;
					problem = "404";
				}
				else if (answer.status != 200 || seq < 0)
				{
					++part.unavailable;
					continue;
				}
				else if (seq < acknowledged)
				{
					++part.stale;
					problem = "seq " + std::to_string(seq);
				}
				else
				{
					++part.right;
					continue;
				}
				if (part.examples.size() < 3)
					part.examples.push_back(key(i) + " through " + FaultNetwork::name(readers[r]) + ": " + problem +
					                        ", acknowledged seq " + std::to_string(acknowledged));
			}
		});
	}
	for (auto& thread : threads) thread.join();
	Check all;
	for (const auto& part : parts)
	{
		all.reads += part.reads;
		all.right += part.right;
		all.lost += part.lost;
		all.stale += part.stale;
		all.unavailable += part.unavailable;
		for (const auto& example : part.examples)
			if (all.examples.size() < 6) all.examples.push_back(example);
	}
	return all;
}

} // namespace p2p::faults
