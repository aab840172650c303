#ifndef P2P_Plugin_INCLUDED
#define P2P_Plugin_INCLUDED

#include "p2p/Export.h"

#include "p2p/Version.h"
#include <Poco/ClassLibrary.h>
#include <string>
#include <vector>

namespace p2p {

class NodeContext;

/// A feature of a node, built into its own shared library (libp2p-<name>.so)
/// and loaded by the plugin host when the node's plugins.load names it.
///
/// Life cycle: the host creates the plugin, calls start() once with the
/// context it owns, and later stop() once, in reverse start order. Both run
/// on the main thread. start() registers routes and services; it may throw,
/// which refuses the node's start-up with the exception's message. Routes and
/// services must not be used after stop() returns.
class P2P_API Plugin
{
public:
	virtual ~Plugin();

	/// The name used in plugins.load and for the plugin's property section.
	virtual std::string name() const = 0;

	/// The plugin's own version, shown in /status and /metrics.
	virtual std::string version() const = 0;

	/// The prefix of the plugin's properties, handed to it as
	/// NodeContext::config() with the prefix removed. Default: name();
	/// dht-router reads dht.* rather than dht-router.*.
	virtual std::string configSection() const;

	/// Names of plugins this one needs; they are started before it.
	virtual std::vector<std::string> dependencies() const;

	/// Names of plugins this one uses when plugins.load lists them too: those
	/// are started before it, and it works without them (kvstore replicates
	/// over dht-router's ring when there is one, and stays local otherwise).
	virtual std::vector<std::string> optionalDependencies() const;

	virtual void start(NodeContext& context) = 0;

	/// Stops background work and releases resources. Must not throw.
	virtual void stop() = 0;
};

} // namespace p2p

/// The name of the C function every plugin library exports; it returns the
/// P2P_PLUGIN_API_VERSION the library was compiled with. The host reads it
/// before it touches any C++ object in the library, so a mismatched plugin
/// is refused without calling through a vtable whose layout may differ.
#define P2P_PLUGIN_API_SYMBOL "p2pPluginApiVersion"

/// Exports a plugin class from its library: a POCO manifest with the one
/// class, and the API version it was built against. Use once per library:
///
///     P2P_EXPORT_PLUGIN(MessagingPlugin)
#define P2P_EXPORT_PLUGIN(cls)                                              \
	extern "C" POCO_LIBRARY_API int p2pPluginApiVersion()                   \
	{                                                                       \
		return P2P_PLUGIN_API_VERSION;                                      \
	}                                                                       \
	POCO_BEGIN_MANIFEST(p2p::Plugin)                                        \
		POCO_EXPORT_CLASS(cls)                                              \
	POCO_END_MANIFEST

#endif
