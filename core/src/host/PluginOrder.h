#ifndef P2P_PluginOrder_INCLUDED
#define P2P_PluginOrder_INCLUDED

#include <map>
#include <string>
#include <vector>

namespace p2p {

/// Orders plugins so that each starts after the plugins it requires.
class PluginOrder
{
public:
	/// names: plugins in plugins.load order; dependencies: what each needs.
	/// Returns a start order that keeps plugins.load order where the
	/// dependencies allow it. Throws StartupException naming the plugin
	/// for a dependency that is not loaded, or the plugins that cannot start
	/// because of a cycle (those on it and those waiting for them).
	static std::vector<std::string> startOrder(const std::vector<std::string>& names,
	                                           const std::map<std::string, std::vector<std::string>>& dependencies);
};

} // namespace p2p

#endif
