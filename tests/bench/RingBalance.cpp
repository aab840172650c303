// How evenly a SHA-1 ring with V virtual nodes per node spreads the key
// space over N nodes, and what building and querying it costs. Chooses
// dht.vnodes. Run: build/bin/p2p-ring-balance [nodes]   (make bench runs it)
#include "HashRing.h"
#include <Poco/Random.h>
#include <Poco/Stopwatch.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

int main(int argc, char** argv)
{
	const int nodes = argc > 1 ? std::atoi(argv[1]) : 100;
	std::vector<p2p::Placement::Owner> owners;
	for (int i = 1; i <= nodes; ++i) owners.push_back({"node" + std::to_string(i), "http://node" + std::to_string(i) + ":5000"});

	const int keys = 100000;
	std::printf("%d nodes; share of the key space per node relative to the mean (1.00 = fair), and the\n"
	            "max/mean of %d random keys per node\n", nodes, keys);
	std::printf("%7s %8s %8s %9s %13s %12s %14s %10s\n", "vnodes", "min", "max", "stddev", "keys max/mean", "build ms",
	            "lookup us (3)", "ring KiB");
	for (int vnodes : {1, 8, 16, 32, 64, 128, 256, 512})
	{
		Poco::Stopwatch build;
		build.start();
		p2p::dht::HashRing ring(owners, vnodes);
		build.stop();
		const auto shares = ring.shares();
		const double mean = 1.0 / nodes;
		double lo = 1e9, hi = 0, sumSq = 0;
		for (const auto& [id, share] : shares)
		{
			lo = std::min(lo, share / mean);
			hi = std::max(hi, share / mean);
			sumSq += (share / mean - 1) * (share / mean - 1);
		}
		const int lookups = 20000;
		Poco::Stopwatch query;
		query.start();
		std::size_t sink = 0;
		for (int i = 0; i < lookups; ++i) sink += ring.preferenceList("key-" + std::to_string(i), 3).size();
		query.stop();
		std::map<std::string, int> perNode;
		Poco::Random random;
		random.seed(42);
		for (int i = 0; i < keys; ++i) ++perNode[ring.preferenceList(std::to_string(random.next()) + "-" + std::to_string(i), 1)[0].id];
		int most = 0;
		for (const auto& [id, count] : perNode) most = std::max(most, count);
		// A std::map node holds the 20-byte position, a size_t and about 32
		// bytes of tree links and allocator overhead.
		const double ringKiB = static_cast<double>(nodes) * vnodes * (20 + 8 + 32) / 1024.0;
		std::printf("%7d %8.2f %8.2f %9.3f %13.3f %12.2f %14.2f %10.0f%s\n", vnodes, lo, hi, std::sqrt(sumSq / nodes),
		            most / (static_cast<double>(keys) / nodes), build.elapsed() / 1000.0,
		            static_cast<double>(query.elapsed()) / lookups, ringKiB, sink ? "" : "!");
	}
	return 0;
}
