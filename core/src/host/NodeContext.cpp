#include "p2p/NodeContext.h"

namespace p2p {

NodeContext::NodeContext(std::string pluginName, NodeIdentity node,
                         Poco::AutoPtr<Poco::Util::AbstractConfiguration> config, std::string dataDir,
                         Router& router, ServiceRegistry& services, MetricsRegistry& metrics,
                         Membership& membership, PeerClient& peers):
	_pluginName(std::move(pluginName)),
	_node(std::move(node)),
	_config(std::move(config)),
	_dataDir(std::move(dataDir)),
	_logger(Poco::Logger::get(_pluginName)),
	_router(router),
	_services(services),
	_metrics(metrics),
	_membership(membership),
	_peers(peers)
{
}

} // namespace p2p
