// How evenly the ring spreads keys over N nodes, what it costs, and how many
// keys move when a node leaves or joins: the ring dht-router uses (Maglev
// over dht.slots arcs) beside rings of random virtual nodes, the classic
// scheme, for reference. Chooses the ring and dht.slots.
//   build/bin/p2p-ring-balance [nodes] [keys]      (make bench runs it at 100 and 1000)
#include "HashRing.h"
#include <Poco/Random.h>
#include <Poco/Stopwatch.h>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>

namespace {

using Owners = std::vector<p2p::Placement::Owner>;
using Lookup = std::function<std::string(const std::string& key)>;

Owners network(int nodes, const std::string& prefix = "node")
{
	Owners owners;
	for (int i = 1; i <= nodes; ++i) owners.push_back({prefix + std::to_string(i), "http://" + prefix + std::to_string(i) + ":5000"});
	return owners;
}

/// A ring of `vnodes` random points per node at SHA-1("<id>#<i>"), the
/// first point at or after the key's hash owning it: the reference.
class VirtualNodeRing
{
public:
	VirtualNodeRing(const Owners& nodes, int vnodes)
	{
		for (std::size_t i = 0; i < nodes.size(); ++i)
		{
			_ids.push_back(nodes[i].id);
			for (int v = 0; v < vnodes; ++v)
				_points.emplace(p2p::dhtrouter::HashRing::hash(nodes[i].id + "#" + std::to_string(v)), i);
		}
	}

	std::string owner(const std::string& key) const
	{
		auto it = _points.lower_bound(p2p::dhtrouter::HashRing::hash(key));
		if (it == _points.end()) it = _points.begin();
		return _ids[it->second];
	}

	/// As compact as such a ring gets: a 4-byte position and a 2-byte owner a point.
	std::size_t compactBytes() const { return _points.size() * 6; }

private:
	std::vector<std::string> _ids;
	std::map<p2p::dhtrouter::RingPosition, std::size_t> _points;
};

struct Scheme
{
	std::string name;
	std::function<Lookup(const Owners&)> build; ///< a lookup for a network
	std::function<std::size_t(const Owners&)> bytes;
};

std::vector<std::string> keySet(int count)
{
	std::vector<std::string> keys;
	keys.reserve(static_cast<std::size_t>(count));
	Poco::Random random;
	random.seed(42);
	for (int i = 0; i < count; ++i) keys.push_back(std::to_string(random.next()) + "-" + std::to_string(i));
	return keys;
}

} // namespace

int main(int argc, char** argv)
{
	const int nodes = argc > 1 ? std::atoi(argv[1]) : 100;
	const int keyCount = argc > 2 ? std::atoi(argv[2]) : std::max(200000, nodes * 2000);
	const auto keys = keySet(keyCount);
	const Owners owners = network(nodes);
	Owners fewer(owners.begin(), owners.end() - 1);
	Owners more = owners;
	more.push_back({"newcomer", "http://newcomer:5000"});

	std::vector<Scheme> schemes;
	schemes.push_back({"maglev, 65537 slots (dht-router)",
	                   [](const Owners& o) {
		                   auto ring = std::make_shared<p2p::dhtrouter::HashRing>(o);
		                   return Lookup([ring](const std::string& key) { return ring->preferenceList(key, 1)[0].id; });
	                   },
	                   [](const Owners& o) { return p2p::dhtrouter::HashRing(o).tableBytes(); }});
	for (int vnodes : {128, 256, 512})
	{
		schemes.push_back({"random vnodes, " + std::to_string(vnodes) + " per node",
		                   [vnodes](const Owners& o) {
			                   auto ring = std::make_shared<VirtualNodeRing>(o, vnodes);
			                   return Lookup([ring](const std::string& key) { return ring->owner(key); });
		                   },
		                   [vnodes](const Owners& o) { return VirtualNodeRing(o, vnodes).compactBytes(); }});
	}

	std::printf("%d nodes, %d random keys (%d per node); keys per node relative to the mean, the placement's\n"
	            "memory per node, the time to build it, and the keys that change owner when one node leaves or\n"
	            "joins (the least possible is %.2f%%: the share of that node)\n\n",
	            nodes, keyCount, keyCount / nodes, 100.0 / nodes);
	std::printf("%-36s %8s %8s %10s %9s %9s %9s\n", "placement", "min", "max", "KiB/node", "build ms", "leave %", "join %");
	for (const auto& scheme : schemes)
	{
		Poco::Stopwatch clock;
		clock.start();
		const Lookup lookup = scheme.build(owners);
		clock.stop();
		const Lookup afterLeave = scheme.build(fewer);
		const Lookup afterJoin = scheme.build(more);
		std::map<std::string, int> perNode;
		int movedLeave = 0, movedJoin = 0;
		for (const auto& key : keys)
		{
			const std::string owner = lookup(key);
			++perNode[owner];
			movedLeave += afterLeave(key) != owner ? 1 : 0;
			movedJoin += afterJoin(key) != owner ? 1 : 0;
		}
		const double mean = static_cast<double>(keyCount) / nodes;
		int least = keyCount, most = 0;
		for (const auto& node : owners)
		{
			least = std::min(least, perNode[node.id]);
			most = std::max(most, perNode[node.id]);
		}
		std::printf("%-36s %8.3f %8.3f %10.0f %9.2f %9.2f %9.2f\n", scheme.name.c_str(), least / mean, most / mean,
		            static_cast<double>(scheme.bytes(owners)) / 1024.0, static_cast<double>(clock.elapsed()) / 1000.0,
		            100.0 * movedLeave / keyCount, 100.0 * movedJoin / keyCount);
	}

	// The lookup a request pays: three owners, dht-router's default replica count.
	p2p::dhtrouter::HashRing ring(owners);
	Poco::Stopwatch clock;
	clock.start();
	std::size_t sink = 0;
	const int lookups = 200000;
	for (int i = 0; i < lookups; ++i) sink += ring.preferenceList(keys[static_cast<std::size_t>(i) % keys.size()], 3).size();
	clock.stop();
	std::printf("\ndht-router lookup of 3 owners: %.2f us (SHA-1 of the key included)%s\n",
	            static_cast<double>(clock.elapsed()) / lookups, sink ? "" : "!");
	return 0;
}
