#ifndef P2P_CoreEndpoints_INCLUDED
#define P2P_CoreEndpoints_INCLUDED

#include "p2p/NodeContext.h"
#include <Poco/Timestamp.h>
#include <functional>
#include <vector>

namespace p2p {

class MetricsRegistry;
class Router;
struct PluginInfo;

/// The endpoints every node serves whatever plugins it loads:
/// GET / (greeting), /health, /status and /metrics (Prometheus text).
class CoreEndpoints
{
public:
	using PluginList = std::function<std::vector<PluginInfo>()>;

	CoreEndpoints(NodeIdentity node, PluginList plugins, MetricsRegistry& metrics);

	/// Registers the routes and the node-level gauges.
	void registerOn(Router& router);

private:
	NodeIdentity _node;
	PluginList _plugins;
	MetricsRegistry& _metrics;
	Poco::Timestamp _started;
};

} // namespace p2p

#endif
