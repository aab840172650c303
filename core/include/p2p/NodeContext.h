#ifndef P2P_NodeContext_INCLUDED
#define P2P_NodeContext_INCLUDED

#include "p2p/Export.h"

#include <Poco/AutoPtr.h>
#include <Poco/Logger.h>
#include <Poco/Util/AbstractConfiguration.h>
#include <string>

namespace p2p {

class Membership;
class MetricsRegistry;
class PeerClient;
class Router;
class ServiceRegistry;

/// Who this node is, as the rest of the network sees it.
struct P2P_API NodeIdentity
{
	std::string id;
	/// The URL other nodes use to reach this one (node.advertise).
	std::string advertisedUrl;
	/// The address of the listener advertisedUrl leads to (http.host, or
	/// https.host): where a plugin that opens a socket of its own (gossip's
	/// datagrams) binds it too.
	std::string bindHost = "0.0.0.0";
};

/// Everything the core hands one plugin. The host owns it and keeps it
/// alive from before start() until after stop(). Its members are safe to use
/// from any thread; the registries behind them lock for themselves.
class P2P_API NodeContext
{
public:
	NodeContext(std::string pluginName, NodeIdentity node, Poco::AutoPtr<Poco::Util::AbstractConfiguration> config,
	            std::string dataDir, Router& router, ServiceRegistry& services, MetricsRegistry& metrics,
	            Membership& membership, PeerClient& peers);

	const std::string& pluginName() const { return _pluginName; }
	const NodeIdentity& node() const { return _node; }

	/// The plugin's own section of the node's configuration with the prefix
	/// removed: for kvstore, "kvstore.replicas" is config().getInt("replicas").
	const Poco::Util::AbstractConfiguration& config() const { return *_config; }

	/// A logger named after the plugin.
	Poco::Logger& logger() const { return _logger; }

	/// <node.data_dir>/<plugin name>, created before start(): the only
	/// place a plugin writes files.
	const std::string& dataDir() const { return _dataDir; }

	Router& router() const { return _router; }
	ServiceRegistry& services() const { return _services; }
	MetricsRegistry& metrics() const { return _metrics; }
	/// The node's view of the network.
	Membership& membership() const { return _membership; }
	/// Pooled HTTP to other nodes.
	PeerClient& peers() const { return _peers; }

private:
	std::string _pluginName;
	NodeIdentity _node;
	Poco::AutoPtr<Poco::Util::AbstractConfiguration> _config;
	std::string _dataDir;
	Poco::Logger& _logger;
	Router& _router;
	ServiceRegistry& _services;
	MetricsRegistry& _metrics;
	Membership& _membership;
	PeerClient& _peers;
};

} // namespace p2p

#endif
