#ifndef P2P_Gossip_HttpGossipTransport_INCLUDED
#define P2P_Gossip_HttpGossipTransport_INCLUDED

#include "GossipTransport.h"
#include "p2p/PeerClient.h"
#include <atomic>

namespace p2p::gossip {

/// Gossip over POST /gossip (rumours), /gossip/exchange (push-pull of
/// state) and /gossip/probe (indirect probes). Every message goes on a
/// connection of its own (no pooling): a node gossips with random peers
/// out of the whole network, and an idle pooled connection to each would
/// hold one of every peer's server threads. Counts the bytes it moves.
/// Thread-safe.
class HttpGossipTransport: public GossipTransport
{
public:
	/// maxEntries: the most members or peers an answer may carry.
	/// Signs and speaks TLS like `peers`, the node's client.
	HttpGossipTransport(Poco::Timespan timeout, std::size_t maxEntries, const PeerClient& peers);

	GossipMessage exchange(const std::string& url, const GossipMessage& message, Poco::Timespan timeout) override;
	bool probeVia(const std::string& helperUrl, const Member& target, Poco::Timespan timeout) override;

	Poco::UInt64 bytesSent() const { return _bytesSent; }
	Poco::UInt64 bytesReceived() const { return _bytesReceived; }

private:
	PeerResponse post(const std::string& url, const std::string& path, const std::string& body, Poco::Timespan timeout);

	PeerClient _quick;   ///< probes and exchanges
	PeerClient _patient; ///< indirect probes, which wait for a probe of their own
	const Poco::Timespan _timeout;
	const std::size_t _maxEntries;
	std::atomic<Poco::UInt64> _bytesSent{0};
	std::atomic<Poco::UInt64> _bytesReceived{0};
};

} // namespace p2p::gossip

#endif
