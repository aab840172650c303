#ifndef P2P_Gossip_GossipTransport_INCLUDED
#define P2P_Gossip_GossipTransport_INCLUDED

#include "GossipMessage.h"
#include <Poco/Timespan.h>

namespace p2p::gossip {

/// How gossip reaches other nodes. Kept apart from HTTP so that the
/// protocol can be tested with nodes in one process. Implementations are
/// thread-safe and throw (BadGatewayException, GatewayTimeoutException ...)
/// when the other node does not answer in time.
class GossipTransport
{
public:
	virtual ~GossipTransport();

	/// Sends state (a probe, news, a sync) to the node at url; returns its
	/// answer, which the receiver makes with Gossiper::receive(): nothing
	/// when the message is a push and the transport need not wait for one.
	virtual GossipMessage exchange(const std::string& url, const GossipMessage& message, Poco::Timespan timeout) = 0;

	/// The same over a connection (HTTP), whatever exchange() uses: a
	/// probe's fallback when its datagram went unanswered, since a network
	/// that drops datagrams must not make live members suspect.
	virtual GossipMessage exchangeReliably(const std::string& url, const GossipMessage& message, Poco::Timespan timeout)
	{
		return exchange(url, message, timeout);
	}

	/// Passes a rumour (peer URLs with a ttl, the seed's POST /gossip) on to
	/// the node at url; its answer carries nothing the protocol needs.
	virtual void rumour(const std::string& url, const GossipMessage& message, Poco::Timespan timeout) = 0;

	/// Asks the node at helperUrl to probe target; returns whether it
	/// reached it.
	virtual bool probeVia(const std::string& helperUrl, const Member& target, Poco::Timespan timeout) = 0;
};

} // namespace p2p::gossip

#endif
