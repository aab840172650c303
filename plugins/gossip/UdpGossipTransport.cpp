#include "UdpGossipTransport.h"
#include "p2p/Errors.h"
#include <Poco/Net/DatagramSocket.h>
#include <Poco/Net/NetException.h>
#include <Poco/URI.h>
#include <poll.h>

namespace p2p::gossip {

namespace {

constexpr const char* kSealPrefix = "seal ";
const Poco::Timespan kAddressLifetime(60, 0);

} // namespace

UdpGossipTransport::UdpGossipTransport(HttpGossipTransport& http, const PeerClient& signer): _http(http), _signer(signer)
{
}

std::string UdpGossipTransport::seal(const PeerClient& signer, const std::string& text)
{
	if (!signer.signsMessages()) return text;
	return text + kSealPrefix + signer.signMessage(kChannel, text) + "\n";
}

std::string UdpGossipTransport::unseal(const PeerClient& signer, const std::string& datagram)
{
	if (!signer.signsMessages()) return datagram;
	// The seal is the last line; it covers every byte before it.
	const std::size_t end = datagram.size() && datagram.back() == '\n' ? datagram.size() - 1 : datagram.size();
	const std::size_t start = datagram.rfind('\n', end > 0 ? end - 1 : 0);
	const std::size_t line = start == std::string::npos ? 0 : start + 1;
	if (datagram.compare(line, std::string(kSealPrefix).size(), kSealPrefix) != 0)
		throw UnauthorizedException("the datagram is not sealed with the cluster secret");
	const std::string text = datagram.substr(0, line);
	signer.verifyMessage(kChannel, text, datagram.substr(line + 5, end - line - 5));
	return text;
}

Poco::Net::SocketAddress UdpGossipTransport::addressOf(const std::string& url)
{
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		auto it = _addresses.find(url);
		if (it != _addresses.end() && it->second.second.elapsed() < kAddressLifetime.totalMicroseconds()) return it->second.first;
	}
	const Poco::URI uri(url);
	const Poco::Net::SocketAddress address(uri.getHost(), uri.getPort());
	Poco::FastMutex::ScopedLock lock(_mutex);
	if (_addresses.size() > 100000) _addresses.clear(); // bounded, whatever URLs arrive
	_addresses[url] = {address, Poco::Timestamp()};
	return address;
}

GossipMessage UdpGossipTransport::exchange(const std::string& url, const GossipMessage& message, Poco::Timespan timeout)
{
	// A sync's answer may be a whole view, and a whole view is no datagram.
	if (message.fullState || !message.digest.empty()) return _http.exchange(url, message, timeout);
	const std::string datagram = seal(_signer, message.toText());
	if (datagram.size() > kMaxDatagramBytes) return _http.exchange(url, message, timeout);
	std::string answer;
	try
	{
		const Poco::Net::SocketAddress to = addressOf(url);
		if (message.push)
		{
			// News needs no answer and gets none: one sendto(2) on a shared socket.
			pushSocket(to.family()).sendTo(datagram.data(), static_cast<int>(datagram.size()), to);
			_bytesSent += datagram.size();
			return {};
		}
		// A socket of its own, connected: only the member's answer reaches
		// it, and an ICMP "port unreachable" ends the wait at once.
		Poco::Net::DatagramSocket socket(to.family());
		socket.connect(to);
		socket.sendBytes(datagram.data(), static_cast<int>(datagram.size()));
		_bytesSent += datagram.size();
		// poll(2) itself: POCO's Socket::poll makes an epoll set for each call.
		pollfd watched{socket.impl()->sockfd(), POLLIN, 0};
		if (::poll(&watched, 1, static_cast<int>(timeout.totalMilliseconds())) <= 0)
			throw GatewayTimeoutException("node " + url + " did not answer a gossip datagram within " +
			                              std::to_string(timeout.totalMilliseconds()) + " ms");
		char buffer[kMaxDatagramBytes + 1];
		const int n = socket.receiveBytes(buffer, static_cast<int>(sizeof(buffer)));
		if (n <= 0) throw BadGatewayException("node " + url + " sent an empty gossip datagram");
		if (static_cast<std::size_t>(n) > kMaxDatagramBytes)
			throw BadGatewayException("node " + url + " sent a gossip datagram over " + std::to_string(kMaxDatagramBytes) + " bytes");
		_bytesReceived += static_cast<Poco::UInt64>(n);
		answer.assign(buffer, static_cast<std::size_t>(n));
	}
	catch (const GatewayTimeoutException&)
	{
		throw;
	}
	catch (const BadGatewayException&)
	{
		throw;
	}
	catch (const Poco::Exception& exc)
	{
		throw BadGatewayException("cannot reach node " + url + " by datagram: " + exc.displayText());
	}
	try
	{
		return GossipMessage::fromText(unseal(_signer, answer), 1 << 16);
	}
	catch (const Poco::Exception& exc)
	{
		throw BadGatewayException("node " + url + " sent a gossip datagram that does not hold: " + exc.message());
	}
}

Poco::Net::DatagramSocket& UdpGossipTransport::pushSocket(Poco::Net::SocketAddress::Family family)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	auto& socket = family == Poco::Net::SocketAddress::IPv4 ? _pushSocketV4 : _pushSocketV6;
	if (!socket) socket = std::make_unique<Poco::Net::DatagramSocket>(family);
	return *socket;
}

GossipMessage UdpGossipTransport::exchangeReliably(const std::string& url, const GossipMessage& message, Poco::Timespan timeout)
{
	return _http.exchange(url, message, timeout);
}

void UdpGossipTransport::rumour(const std::string& url, const GossipMessage& message, Poco::Timespan timeout)
{
	_http.rumour(url, message, timeout);
}

bool UdpGossipTransport::probeVia(const std::string& helperUrl, const Member& target, Poco::Timespan timeout)
{
	return _http.probeVia(helperUrl, target, timeout);
}

} // namespace p2p::gossip
