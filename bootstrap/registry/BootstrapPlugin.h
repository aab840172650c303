#ifndef P2P_Bootstrap_BootstrapPlugin_INCLUDED
#define P2P_Bootstrap_BootstrapPlugin_INCLUDED

#include "Registry.h"
#include "p2p/Plugin.h"
#include "p2p/Router.h"
#include <Poco/Timer.h>
#include <memory>

namespace p2p::bootstrap {

/// The bootstrap node's registry: nodes register (POST /register), renew
/// their lease by registering again, leave (DELETE /register/{id}), and learn
/// each other from GET /peers. Registered nodes also enter this node's own
/// membership view. Handlers run on HTTP threads and a timer thread expires
/// leases in the background (so /members and the metrics do not count nodes
/// that are gone); the registry and the view lock themselves.
class BootstrapPlugin: public Plugin
{
public:
	std::string name() const override;
	std::string version() const override;
	void start(NodeContext& context) override;
	void stop() override;

private:
	void registerNode(Request& request, Response& response);
	void listPeers(Request& request, Response& response);
	void removeNode(Request& request, Response& response);
	/// Drops expired leases from the registry and the membership view.
	void expire();
	void onExpiryTimer(Poco::Timer& timer);

	NodeContext* _context = nullptr;
	std::unique_ptr<Registry> _registry;
	std::unique_ptr<Poco::Timer> _expiryTimer;
};

} // namespace p2p::bootstrap

#endif
