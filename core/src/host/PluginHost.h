#ifndef P2P_PluginHost_INCLUDED
#define P2P_PluginHost_INCLUDED

#include "p2p/NodeContext.h"
#include "p2p/Plugin.h"
#include <Poco/ClassLoader.h>
#include <Poco/Logger.h>
#include <memory>
#include <string>
#include <vector>

namespace p2p {

/// What /status and /metrics say about a loaded plugin.
struct PluginInfo
{
	std::string name;
	std::string version;
	std::string library;
	int apiVersion;
};

/// Finds, loads, orders, starts and stops the plugins a node's
/// configuration names (plugins.load, plugins.path, plugins.<name>.library).
///
/// Every refusal is a StartupException whose message is one line naming the
/// plugin, the file and the reason. The plugin's API version is read from a
/// plain C symbol before any C++ object of the library is touched.
///
/// Owns the loaded libraries: anything a plugin handed out (route handlers,
/// services, gauge callbacks) holds code from its library, so the host must
/// outlive all of those. load(), start() and stop() run on the main thread;
/// plugins() is also called from HTTP threads (GET /status), which is safe
/// because the list does not change between start() and stop().
class PluginHost
{
public:
	/// config: the node's whole configuration; applicationDir: where the
	/// running binary lives, for the default search path.
	PluginHost(const Poco::Util::AbstractConfiguration& config, const std::string& applicationDir);
	~PluginHost();

	PluginHost(const PluginHost&) = delete;
	PluginHost& operator=(const PluginHost&) = delete;

	/// Loads every plugin in plugins.load and works out the start order.
	void load();

	/// Starts the plugins in dependency order, each with its own context. If
	/// one fails, those already started are stopped again and the failure
	/// is thrown as a StartupException.
	void start(const NodeIdentity& node, const std::string& dataDir, Router& router, ServiceRegistry& services,
	           MetricsRegistry& metrics, Membership& membership, PeerClient& peers);

	/// Stops started plugins in reverse start order. Never throws.
	void stop();

	/// Loaded plugins in start order.
	std::vector<PluginInfo> plugins() const;

	/// The directories searched for libp2p-<name>.so.
	const std::vector<std::string>& searchPath() const { return _searchPath; }

	/// Where a plugin's library is looked for when plugins.path is not set:
	/// the build tree's plugins/ beside bin/, then the installed layouts.
	static std::vector<std::string> defaultSearchPath(const std::string& applicationDir);

private:
	struct Loaded
	{
		std::string name;
		std::string library;
		std::unique_ptr<Plugin> plugin;
		std::unique_ptr<NodeContext> context;
		bool started = false;
	};

	std::string locate(const std::string& name) const;
	std::unique_ptr<Plugin> instantiate(const std::string& name, const std::string& library);
	std::string describe(const Loaded& plugin) const;

	const Poco::Util::AbstractConfiguration& _config;
	std::vector<std::string> _searchPath;
	Poco::Logger& _logger;
	// Declared before the plugins so it is destroyed after them: deleting a
	// plugin runs code from its library.
	Poco::ClassLoader<Plugin> _loader;
	std::vector<Loaded> _plugins; ///< in start order once load() returns
};

} // namespace p2p

#endif
