#include "FaultSuite.h"
#include <Poco/JSON/Array.h>
#include <Poco/Thread.h>
#include <cstdio>

namespace p2p::faults {

double timeUntil(const std::function<bool()>& condition, Poco::Timespan limit)
{
	const Poco::Timestamp start;
	while (true)
	{
		if (condition()) return secondsSince(start);
		if (start.isElapsed(limit.totalMicroseconds())) return -1;
		Poco::Thread::sleep(100);
	}
}

void hold(Poco::Timespan span)
{
	Poco::Thread::sleep(static_cast<long>(span.totalMilliseconds()));
}

std::vector<std::vector<std::string>> ownersOf(const FaultNetwork& network, const History& history, int through)
{
	std::vector<std::vector<std::string>> owners(history.keys());
	for (std::size_t i = 0; i < history.keys(); ++i)
	{
		const auto answer = network.http(through, "GET", "/dht/locate/" + history.key(i) + "?n=3");
		if (answer.status != 200) throw Poco::RuntimeException("GET /dht/locate failed: " + answer.body);
		const auto replicas = test::jsonObject(answer.body)->getArray("replicas");
		for (std::size_t r = 0; replicas && r < replicas->size(); ++r)
			owners[i].push_back(replicas->getObject(static_cast<unsigned>(r))->getValue<std::string>("id"));
	}
	return owners;
}

std::string seconds(double value, Poco::Timespan limit)
{
	if (value < 0) return "never (within " + std::to_string(limit.totalSeconds()) + " s)";
	char text[32];
	std::snprintf(text, sizeof(text), "%.1f s", value);
	return text;
}

void figure(const std::string& what, const std::string& value)
{
	std::cout << "  [faults] " << what << ": " << value << std::endl;
}

} // namespace p2p::faults
