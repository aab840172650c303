#ifndef P2P_Gossip_HttpGossipTransport_INCLUDED
#define P2P_Gossip_HttpGossipTransport_INCLUDED

#include "GossipTransport.h"
#include "p2p/PeerClient.h"
#include <atomic>

namespace p2p::gossip {

/// Gossip over POST /gossip/exchange (state, in the text form), POST
/// /gossip (the seed's JSON rumours) and /gossip/probe (indirect probes),
/// on pooled keep-alive connections: a node talks to the same few peers
/// while news spreads, and a parked connection costs a peer a descriptor,
/// not a thread. Counts the bytes it moves on the wire (heads and bodies,
/// both ways), so that each gossip message is counted once, by its sender.
/// Thread-safe.
class HttpGossipTransport: public GossipTransport
{
public:
	/// maxMembers: the most members an answer may carry (a whole view).
	/// Signs and speaks TLS like `peers`, the node's client.
	HttpGossipTransport(Poco::Timespan timeout, std::size_t maxMembers, const PeerClient& peers);

	GossipMessage exchange(const std::string& url, const GossipMessage& message, Poco::Timespan timeout) override;
	void rumour(const std::string& url, const GossipMessage& message, Poco::Timespan timeout) override;
	bool probeVia(const std::string& helperUrl, const Member& target, Poco::Timespan timeout) override;

	Poco::UInt64 bytesSent() const { return _bytesSent; }
	Poco::UInt64 bytesReceived() const { return _bytesReceived; }

	/// The largest exchange body a node sends or takes: a whole view of
	/// maxMembers members.
	static std::streamsize maxExchangeBytes(std::size_t maxMembers);

private:
	PeerResponse post(const std::string& url, const std::string& path, const std::string& body,
	                  const std::string& contentType, Poco::Timespan timeout);

	PeerClient _quick;   ///< probes, news and rumours
	PeerClient _patient; ///< indirect probes, which wait for a probe of their own, and syncs
	const Poco::Timespan _timeout;
	const std::size_t _maxMembers;
	std::atomic<Poco::UInt64> _bytesSent{0};
	std::atomic<Poco::UInt64> _bytesReceived{0};
};

} // namespace p2p::gossip

#endif
