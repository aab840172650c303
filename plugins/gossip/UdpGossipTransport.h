#ifndef P2P_Gossip_UdpGossipTransport_INCLUDED
#define P2P_Gossip_UdpGossipTransport_INCLUDED

#include "HttpGossipTransport.h"
#include <Poco/Mutex.h>
#include <Poco/Net/DatagramSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Timestamp.h>
#include <map>
#include <memory>

namespace p2p::gossip {

/// Gossip's small, frequent messages as UDP datagrams, as SWIM and
/// memberlist send them: a probe and its answer, and news, each one
/// datagram of at most kMaxDatagramBytes to the port of the member's URL.
/// Measured on 100 idle nodes, probes over HTTP cost about 0.4 ms of CPU an
/// exchange (a TCP connection opened and closed, a server thread woken),
/// which made a thousand idle nodes cost more than a core; a datagram and
/// its answer cost a tenth of that. Everything else goes through the HTTP
/// transport given: syncs (whose answers are whole views), whole views,
/// rumours, indirect probes, and the TCP fallback of a probe whose
/// datagram went unanswered.
///
/// With cluster.secret every datagram ends in a line "seal <node> <time>
/// <hmac>" (PeerClient::signMessage), checked before the message is read.
/// Thread-safe.
class UdpGossipTransport: public GossipTransport
{
public:
	/// Datagrams larger than this are not sent (the message goes over HTTP
	/// instead): within a 1500-byte Ethernet frame, as memberlist keeps them.
	static constexpr std::size_t kMaxDatagramBytes = 1400;
	/// What news a datagram carries leaves room for the seal line.
	static constexpr std::size_t kMaxMessageBytes = kMaxDatagramBytes - 200;
	static constexpr const char* kChannel = "/gossip/exchange";

	/// signer: the node's client, whose cluster secret seals datagrams.
	UdpGossipTransport(HttpGossipTransport& http, const PeerClient& signer);

	GossipMessage exchange(const std::string& url, const GossipMessage& message, Poco::Timespan timeout) override;
	GossipMessage exchangeReliably(const std::string& url, const GossipMessage& message, Poco::Timespan timeout) override;
	void rumour(const std::string& url, const GossipMessage& message, Poco::Timespan timeout) override;
	bool probeVia(const std::string& helperUrl, const Member& target, Poco::Timespan timeout) override;

	/// The message as a datagram, sealed when there is a secret.
	static std::string seal(const PeerClient& signer, const std::string& text);
	/// The message text of a datagram whose seal holds; throws
	/// UnauthorizedException otherwise, BadRequestException when malformed.
	static std::string unseal(const PeerClient& signer, const std::string& datagram);

	Poco::UInt64 bytesSent() const { return _bytesSent; }
	Poco::UInt64 bytesReceived() const { return _bytesReceived; }

private:
	Poco::Net::SocketAddress addressOf(const std::string& url);
	/// The unconnected socket pushes go out on (sendto(2) is thread-safe).
	Poco::Net::DatagramSocket& pushSocket(Poco::Net::SocketAddress::Family family);

	HttpGossipTransport& _http;
	const PeerClient& _signer;
	Poco::FastMutex _mutex; ///< guards _addresses and the creation of the push sockets
	std::unique_ptr<Poco::Net::DatagramSocket> _pushSocketV4;
	std::unique_ptr<Poco::Net::DatagramSocket> _pushSocketV6;
	/// Members' URLs resolved, for a minute: a name in /etc/hosts or DNS is
	/// not looked up for every probe.
	std::map<std::string, std::pair<Poco::Net::SocketAddress, Poco::Timestamp>> _addresses;
	std::atomic<Poco::UInt64> _bytesSent{0};
	std::atomic<Poco::UInt64> _bytesReceived{0};
};

} // namespace p2p::gossip

#endif
