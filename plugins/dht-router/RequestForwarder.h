#ifndef P2P_Dht_RequestForwarder_INCLUDED
#define P2P_Dht_RequestForwarder_INCLUDED

#include "p2p/Forwarder.h"
#include "p2p/PeerClient.h"
#include <string>

namespace p2p::dhtrouter {

/// The Forwarder service: relays a request over the core's pooled
/// keep-alive connections (NodeContext::peers()) to the first target that
/// answers. On the event-loop server the relay is answered later
/// (Response::later()): the request goes out on the connection's loop and
/// the owner's answer is written from there, so no thread waits for it;
/// otherwise the calling thread waits. Stateless apart from its settings;
/// safe on any thread.
class RequestForwarder: public Forwarder
{
public:
	/// maxHops: dht.max_hops, the forwards a request may take.
	RequestForwarder(PeerClient& peers, std::string selfId, int maxHops);

	void forward(Request& request, Response& response, const std::vector<Placement::Owner>& targets) override;

	/// The hop count a request arrived with (0 from a client); throws
	/// BadRequestException when the header is not a small whole number.
	static int hopsOf(Request& request);

private:
	/// One relay answered later: its targets tried in turn from the loop.
	struct Relay;

	PeerClient& _peers;
	const std::string _selfId;
	const int _maxHops;
};

} // namespace p2p::dhtrouter

#endif
