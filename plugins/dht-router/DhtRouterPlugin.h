#ifndef P2P_Dht_DhtRouterPlugin_INCLUDED
#define P2P_Dht_DhtRouterPlugin_INCLUDED

#include "RingPlacement.h"
#include "p2p/Plugin.h"
#include "p2p/Router.h"
#include <memory>

namespace p2p::dhtrouter {

/// Consistent-hash placement for the network: keeps a SHA-1 ring of the
/// alive members, offers it to other plugins as the "placement" service,
/// and shows it at GET /dht/ring and GET /dht/locate/{key}. Properties are
/// dht.* (configSection). Handlers run on HTTP threads and the rebuild on
/// whichever thread changed the membership view; RingPlacement locks.
class DhtRouterPlugin: public Plugin
{
public:
	std::string name() const override;
	std::string version() const override;
	std::string configSection() const override;
	void start(NodeContext& context) override;
	void stop() override;

private:
	void showRing(Request& request, Response& response);
	void locate(Request& request, Response& response);

	NodeContext* _context = nullptr;
	std::shared_ptr<RingPlacement> _placement;
	int _subscription = 0;
	int _defaultReplicas = 3;
};

} // namespace p2p::dhtrouter

#endif
