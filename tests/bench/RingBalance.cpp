// How evenly a SHA-1 ring with V virtual nodes per node spreads the key
// space over N nodes, and what building and querying it costs. Chooses
// dht.vnodes. Run: build/bin/p2p-ring-balance [nodes]   (make bench runs it)
#include "HashRing.h"
#include <Poco/Stopwatch.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv)
{
	const int nodes = argc > 1 ? std::atoi(argv[1]) : 100;
	std::vector<p2p::Placement::Owner> owners;
	for (int i = 1; i <= nodes; ++i) owners.push_back({"node" + std::to_string(i), "http://node" + std::to_string(i) + ":5000"});

	std::printf("%d nodes; share of the key space per node, relative to the mean (1.00 = fair)\n", nodes);
	std::printf("%7s %8s %8s %9s %12s %14s\n", "vnodes", "min", "max", "stddev", "build ms", "lookup us (3)");
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
		std::printf("%7d %8.2f %8.2f %9.3f %12.2f %14.2f%s\n", vnodes, lo, hi, std::sqrt(sumSq / nodes),
		            build.elapsed() / 1000.0, static_cast<double>(query.elapsed()) / lookups, sink ? "" : "!");
	}
	return 0;
}
