#ifndef P2P_Gossip_GossipPlugin_INCLUDED
#define P2P_Gossip_GossipPlugin_INCLUDED

#include "Gossiper.h"
#include "DatagramListener.h"
#include "HttpGossipTransport.h"
#include "UdpGossipTransport.h"
#include "p2p/Plugin.h"
#include "p2p/Router.h"
#include <Poco/Event.h>
#include <Poco/Thread.h>
#include <functional>
#include <memory>

namespace p2p::gossip {

/// Membership by gossip: the seed's POST /gossip (peer URLs with a TTL),
/// SWIM probing every gossip.interval_ms with news riding on the probes,
/// news spread every gossip.spread_interval_ms while there is any, digest
/// syncs every gossip.sync_interval_ms, probes and news as UDP datagrams on
/// the port of the node's URL (gossip.transport), joining through cluster.seeds
/// without a bootstrap node, and GET /gossip/state. The protocol is the
/// Gossiper's; this class wires it to HTTP, to the node's view and to two
/// loop threads: one probes (a probe that fails waits for indirect probes,
/// up to three probe timeouts), the other spreads news and the rumours
/// handlers queue, so that news of a failure never waits behind a probe of
/// another. Handlers run on HTTP threads.
class GossipPlugin: public Plugin
{
public:
	std::string name() const override;
	std::string version() const override;
	void start(NodeContext& context) override;
	void stop() override;

private:
	void probeLoop();
	void spreadLoop();
	/// Runs one step of a loop; what it throws is logged, and the loop goes on.
	void guarded(const std::function<void()>& step);

	void rumour(Request& request, Response& response);
	void exchange(Request& request, Response& response);
	void probe(Request& request, Response& response);
	void state(Request& request, Response& response);
	/// A datagram from another node; returns the answer to send back.
	std::string datagram(const std::string& bytes);
	Poco::UInt64 bytesSent() const;
	Poco::UInt64 bytesReceived() const;
	void addMetrics();

	NodeContext* _context = nullptr;
	Gossiper::Settings _settings;
	Poco::Timespan _interval;
	Poco::Timespan _spreadInterval;
	std::unique_ptr<HttpGossipTransport> _http;
	std::unique_ptr<UdpGossipTransport> _udp;   ///< with gossip.transport = udp
	std::unique_ptr<DatagramListener> _listener; ///< with gossip.transport = udp
	GossipTransport* _transport = nullptr;
	std::unique_ptr<Gossiper> _gossiper;
	int _subscription = 0;
	Poco::Thread _prober{"gossip-probe"};
	Poco::Thread _spreader{"gossip-spread"};
	Poco::Event _wakeProber;
	Poco::Event _wakeSpreader; ///< news or a rumour to send, or stop
	std::atomic<bool> _stopping{false};
};

} // namespace p2p::gossip

#endif
