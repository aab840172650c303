#include "host/PluginHost.h"
#include "host/PluginOrder.h"
#include "p2p/Errors.h"
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/SharedLibrary.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <unistd.h>
#include <map>
#include <set>

namespace p2p {

namespace {

std::vector<std::string> splitList(const std::string& text, const char* separators)
{
	std::vector<std::string> items;
	Poco::StringTokenizer tokens(text, separators, Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
	for (const auto& token : tokens) items.push_back(token);
	return items;
}

bool isPluginName(const std::string& name)
{
	return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](unsigned char c) {
		return std::islower(c) || std::isdigit(c) || c == '-' || c == '_';
	});
}

std::string libraryFileName(const std::string& name)
{
	return "libp2p-" + name + Poco::SharedLibrary::suffix();
}

std::string absolute(const std::string& path)
{
	Poco::Path p(path);
	p.makeAbsolute();
	return p.toString();
}

} // namespace

PluginHost::PluginHost(const Poco::Util::AbstractConfiguration& config, const std::string& applicationDir):
	_config(config),
	_logger(Poco::Logger::get("plugins"))
{
	const std::string path = config.getString("plugins.path", "");
	_searchPath = path.empty() ? defaultSearchPath(applicationDir) : splitList(path, ":,");
	for (auto& dir : _searchPath) dir = Poco::Path(absolute(dir)).makeDirectory().toString();
}

PluginHost::~PluginHost()
{
	stop();
	_plugins.clear();
}

std::vector<std::string> PluginHost::defaultSearchPath(const std::string& applicationDir)
{
	Poco::Path bin = Poco::Path(applicationDir).makeDirectory();
	Poco::Path buildTree(bin);
	buildTree.popDirectory();
	Poco::Path installTree(buildTree);
	buildTree.pushDirectory("plugins");
	installTree.pushDirectory("lib");
	installTree.pushDirectory("p2p-node");
	installTree.pushDirectory("plugins");
	std::vector<std::string> path{buildTree.toString(), installTree.toString(), "/usr/lib/p2p-node/plugins/"};
	path.erase(std::unique(path.begin(), path.end()), path.end());
	return path;
}

std::string PluginHost::locate(const std::string& name) const
{
	const std::string explicitKey = "plugins." + name + ".library";
	if (_config.has(explicitKey))
	{
		const std::string file = absolute(_config.getString(explicitKey));
		if (!Poco::File(file).exists())
			throw StartupException("plugin '" + name + "': " + explicitKey + " names " + file + ", which does not exist");
		return file;
	}
	for (const auto& dir : _searchPath)
	{
		const std::string file = dir + libraryFileName(name);
		if (Poco::File(file).exists()) return file;
	}
	throw StartupException("plugin '" + name + "': no " + libraryFileName(name) + " in the plugin search path " +
	                       Poco::cat(std::string(":"), _searchPath.begin(), _searchPath.end()) +
	                       " (set plugins.path, or plugins." + name + ".library to the file)");
}

std::unique_ptr<Plugin> PluginHost::instantiate(const std::string& name, const std::string& library)
{
	const std::string where = "plugin '" + name + "' (" + library + ")";
	{
		// Opened once on its own to read the API version before POCO's
		// manifest code runs; the class loader opens it again, so this
		// handle only adds a reference that unload() drops.
		Poco::SharedLibrary probe;
		try
		{
			probe.load(library);
		}
		catch (const Poco::Exception& exc)
		{
			throw StartupException(where + " cannot be loaded: " + exc.message());
		}
		if (!probe.hasSymbol(P2P_PLUGIN_API_SYMBOL))
		{
			probe.unload();
			throw StartupException(where + " is not a p2p-node plugin: it does not export " P2P_PLUGIN_API_SYMBOL "()");
		}
		using ApiVersionFunc = int (*)();
		const int api = reinterpret_cast<ApiVersionFunc>(probe.getSymbol(P2P_PLUGIN_API_SYMBOL))();
		probe.unload();
		if (api != P2P_PLUGIN_API_VERSION)
		{
			throw StartupException(where + " was built for plugin API " + std::to_string(api) + ", but this p2p-node " +
			                       coreVersion() + " provides plugin API " + std::to_string(P2P_PLUGIN_API_VERSION) +
			                       "; rebuild the plugin against this version");
		}
	}
	try
	{
		_loader.loadLibrary(library);
	}
	catch (const Poco::Exception& exc)
	{
		throw StartupException(where + " has no usable POCO manifest (" + exc.message() +
		                       "); export the plugin class with P2P_EXPORT_PLUGIN");
	}
	const auto* manifest = _loader.findManifest(library);
	if (!manifest || manifest->size() != 1)
	{
		throw StartupException(where + " exports " + std::to_string(manifest ? manifest->size() : 0) +
		                       " classes in its manifest; a plugin library exports exactly one");
	}
	std::unique_ptr<Plugin> plugin;
	try
	{
		plugin.reset(manifest->begin()->create());
		if (plugin->name() != name)
			throw StartupException(where + " calls itself '" + plugin->name() + "'; plugins.load must use that name");
	}
	catch (const StartupException&)
	{
		throw;
	}
	catch (const Poco::Exception& exc)
	{
		throw StartupException(where + " could not be created: " + exc.displayText());
	}
	catch (const std::exception& exc)
	{
		throw StartupException(where + " could not be created: " + exc.what());
	}
	return plugin;
}

void PluginHost::load()
{
	std::vector<std::string> names;
	for (const auto& name : splitList(_config.getString("plugins.load", ""), ", \t"))
	{
		if (!isPluginName(name))
			throw StartupException("plugin '" + name + "' in plugins.load is not a valid plugin name (lower-case letters, digits, '-', '_')");
		if (std::find(names.begin(), names.end(), name) != names.end())
			throw StartupException("plugin '" + name + "' is listed twice in plugins.load");
		names.push_back(name);
	}

	std::vector<Loaded> loaded;
	std::map<std::string, std::vector<std::string>> dependencies;
	for (const auto& name : names)
	{
		Loaded entry;
		entry.name = name;
		entry.library = locate(name);
		entry.plugin = instantiate(name, entry.library);
		dependencies[name] = entry.plugin->dependencies();
		for (const auto& wanted : entry.plugin->optionalDependencies())
			if (std::find(names.begin(), names.end(), wanted) != names.end()) dependencies[name].push_back(wanted);
		loaded.push_back(std::move(entry));
	}

	_plugins.clear();
	for (const auto& name : PluginOrder::startOrder(names, dependencies))
	{
		auto it = std::find_if(loaded.begin(), loaded.end(), [&](const Loaded& l) { return l.name == name; });
		_plugins.push_back(std::move(*it));
	}
}

void PluginHost::start(const NodeIdentity& node, const std::string& dataDir, Router& router, ServiceRegistry& services,
                       MetricsRegistry& metrics, Membership& membership, PeerClient& peers)
{
	for (auto& entry : _plugins)
	{
		try
		{
			std::string pluginDir = Poco::Path(dataDir).makeDirectory().pushDirectory(entry.name).toString();
			Poco::File(pluginDir).createDirectories();
			// Said here, with the OS's reason, rather than as whatever the
			// plugin's own library makes of it ("unable to open database file").
			if (::access(pluginDir.c_str(), W_OK | X_OK) != 0)
				throw Poco::FileAccessDeniedException("cannot write in its data directory " + pluginDir + ": " + std::strerror(errno) +
				                                      " (it must belong to the user the node runs as)");
			entry.context = std::make_unique<NodeContext>(entry.name, node, _config.createView(entry.plugin->configSection()), pluginDir,
			                                              router, services, metrics, membership, peers);
			entry.plugin->start(*entry.context);
			entry.started = true;
			_logger.information("started %s", describe(entry));
		}
		catch (const std::exception& exc)
		{
			const auto* poco = dynamic_cast<const Poco::Exception*>(&exc);
			const std::string reason = poco ? poco->message().empty() ? poco->displayText() : poco->message() : exc.what();
			stop();
			throw StartupException("plugin '" + entry.name + "' (" + entry.library + ") failed to start: " + reason);
		}
	}
}

void PluginHost::stop()
{
	for (auto it = _plugins.rbegin(); it != _plugins.rend(); ++it)
	{
		if (!it->started) continue;
		it->started = false;
		try
		{
			it->plugin->stop();
			_logger.information("stopped plugin '%s'", it->name);
		}
		catch (const Poco::Exception& exc)
		{
			// stop() must not throw; when it does, the others still stop.
			_logger.error("plugin '%s' threw while stopping: %s", it->name, exc.displayText());
		}
		catch (const std::exception& exc)
		{
			_logger.error("plugin '%s' threw while stopping: %s", it->name, std::string(exc.what()));
		}
		catch (...)
		{
			_logger.error("plugin '%s' threw an unknown exception while stopping", it->name);
		}
	}
}

std::vector<PluginInfo> PluginHost::plugins() const
{
	std::vector<PluginInfo> infos;
	for (const auto& entry : _plugins)
		infos.push_back({entry.name, entry.plugin->version(), entry.library, P2P_PLUGIN_API_VERSION});
	return infos;
}

std::string PluginHost::describe(const Loaded& entry) const
{
	return "plugin '" + entry.name + "' " + entry.plugin->version() + " from " + entry.library;
}

} // namespace p2p
