#ifndef P2P_Dht_RequestForwarder_INCLUDED
#define P2P_Dht_RequestForwarder_INCLUDED

#include "RingPlacement.h"
#include "p2p/Forwarder.h"
#include "p2p/PeerClient.h"
#include <string>

namespace p2p::dhtrouter {

/// The Forwarder service: relays a request over the core's pooled
/// keep-alive connections (NodeContext::peers()) to the first target that
/// answers, the suspect ones last: a node that stopped answering costs a
/// timeout only until gossip suspects it, not until it is declared dead.
/// A repeatable request (Options) that the first target has not answered
/// within PeerClient::hedgeDelay() goes to the next as well, and the first
/// answer wins: a paused owner costs its callers milliseconds. On the event-loop server the relay is answered later
/// (Response::later()): the request goes out on the connection's loop and
/// the owner's answer is written from there, so no thread waits for it;
/// otherwise the calling thread waits. Stateless apart from its settings;
/// safe on any thread.
class RequestForwarder: public Forwarder
{
public:
	/// maxHops: dht.max_hops, the forwards a request may take. placement:
	/// who is suspect now, to try them last (may be null: targets in order).
	RequestForwarder(PeerClient& peers, std::string selfId, int maxHops, std::shared_ptr<const RingPlacement> placement = {});

	using Forwarder::forward;
	void forward(Request& request, Response& response, const std::vector<Placement::Owner>& targets,
	             const Options& options) override;

	/// The hop count a request arrived with (0 from a client); throws
	/// BadRequestException when the header is not a small whole number.
	static int hopsOf(Request& request);

private:
	/// One relay answered later: its targets tried in turn from the loop.
	struct Relay;

	PeerClient& _peers;
	const std::string _selfId;
	const int _maxHops;
	const std::shared_ptr<const RingPlacement> _placement;
};

} // namespace p2p::dhtrouter

#endif
