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

	/// Sends message to the node at url; returns its answer.
	virtual GossipMessage exchange(const std::string& url, const GossipMessage& message, Poco::Timespan timeout) = 0;

	/// Asks the node at helperUrl to probe target; returns whether it
	/// reached it.
	virtual bool probeVia(const std::string& helperUrl, const Member& target, Poco::Timespan timeout) = 0;
};

} // namespace p2p::gossip

#endif
