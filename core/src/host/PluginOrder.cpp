#include "host/PluginOrder.h"
#include "p2p/Errors.h"
#include <algorithm>
#include <set>

namespace p2p {

std::vector<std::string> PluginOrder::startOrder(const std::vector<std::string>& names,
                                                 const std::map<std::string, std::vector<std::string>>& dependencies)
{
	const std::set<std::string> loaded(names.begin(), names.end());
	for (const auto& name : names)
	{
		auto it = dependencies.find(name);
		if (it == dependencies.end()) continue;
		for (const auto& needed : it->second)
		{
			if (!loaded.count(needed))
				throw StartupException("plugin '" + name + "' requires plugin '" + needed + "', which plugins.load does not list");
		}
	}

	// Repeatedly take the first plugin (in load order) whose requirements
	// have all started: stable, and O(n^2) for the handful of plugins a node has.
	std::vector<std::string> order;
	std::set<std::string> started;
	std::vector<std::string> pending = names;
	while (!pending.empty())
	{
		auto ready = std::find_if(pending.begin(), pending.end(), [&](const std::string& name) {
			auto it = dependencies.find(name);
			if (it == dependencies.end()) return true;
			return std::all_of(it->second.begin(), it->second.end(),
			                   [&](const std::string& needed) { return started.count(needed) > 0; });
		});
		if (ready == pending.end())
		{
			std::string cycle;
			for (const auto& name : pending) cycle += (cycle.empty() ? "'" : ", '") + name + "'";
			throw StartupException("plugins " + cycle + " require each other in a cycle; none of them can start first");
		}
		started.insert(*ready);
		order.push_back(*ready);
		pending.erase(ready);
	}
	return order;
}

} // namespace p2p
