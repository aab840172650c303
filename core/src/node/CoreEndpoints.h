#ifndef P2P_CoreEndpoints_INCLUDED
#define P2P_CoreEndpoints_INCLUDED

#include "p2p/NodeContext.h"
#include <Poco/Timestamp.h>
#include <functional>
#include <vector>

namespace p2p {

class Membership;
class MetricsRegistry;
class Router;
struct PluginInfo;

/// The endpoints every node serves whatever plugins it loads:
/// GET / (greeting), /health, /status, /members (the membership view) and
/// /metrics (Prometheus text).
class CoreEndpoints
{
public:
	using PluginList = std::function<std::vector<PluginInfo>()>;

	/// registered: whether the node is registered with a bootstrap node;
	/// empty when it has none configured.
	CoreEndpoints(NodeIdentity node, PluginList plugins, MetricsRegistry& metrics, const Membership& membership,
	              std::function<bool()> registered);

	/// Registers the routes and the node-level gauges.
	void registerOn(Router& router);

private:
	NodeIdentity _node;
	PluginList _plugins;
	MetricsRegistry& _metrics;
	const Membership& _membership;
	std::function<bool()> _registered;
	Poco::Timestamp _started;
};

} // namespace p2p

#endif
