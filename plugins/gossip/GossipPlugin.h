#ifndef P2P_Gossip_GossipPlugin_INCLUDED
#define P2P_Gossip_GossipPlugin_INCLUDED

#include "Gossiper.h"
#include "HttpGossipTransport.h"
#include "p2p/Plugin.h"
#include "p2p/Router.h"
#include <Poco/Event.h>
#include <Poco/Runnable.h>
#include <Poco/Thread.h>
#include <memory>

namespace p2p::gossip {

/// Membership by gossip: the seed's POST /gossip (peer URLs with a TTL),
/// push-pull exchanges of membership state with random peers every
/// gossip.interval_ms, SWIM failure detection, joining through
/// cluster.seeds without a bootstrap node, and GET /gossip/state.
/// The protocol is the Gossiper's; this class wires it to HTTP, to the
/// node's view and to one loop thread, which runs the periods and sends
/// the rumours handlers queue. Handlers run on HTTP threads.
class GossipPlugin: public Plugin, private Poco::Runnable
{
public:
	std::string name() const override;
	std::string version() const override;
	void start(NodeContext& context) override;
	void stop() override;

private:
	void run() override;

	void rumour(Request& request, Response& response);
	void exchange(Request& request, Response& response);
	void probe(Request& request, Response& response);
	void state(Request& request, Response& response);
	void addMetrics();

	NodeContext* _context = nullptr;
	Gossiper::Settings _settings;
	Poco::Timespan _interval;
	std::unique_ptr<HttpGossipTransport> _transport;
	std::unique_ptr<Gossiper> _gossiper;
	int _subscription = 0;
	Poco::Thread _thread{"gossip"};
	Poco::Event _wake; ///< a rumour to forward, or stop
	std::atomic<bool> _stopping{false};
};

} // namespace p2p::gossip

#endif
