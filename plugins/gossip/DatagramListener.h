#ifndef P2P_Gossip_DatagramListener_INCLUDED
#define P2P_Gossip_DatagramListener_INCLUDED

#include <Poco/Net/DatagramSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Thread.h>
#include <atomic>
#include <functional>
#include <string>

namespace p2p::gossip {

/// A UDP socket and the thread that reads it: each datagram goes to the
/// handler, and what the handler returns (if anything) goes back to the
/// sender. The thread sleeps in poll(2) until a datagram or stop() comes.
class DatagramListener
{
public:
	/// Returns the answer to send back; empty for none.
	using Handler = std::function<std::string(const std::string& datagram, const Poco::Net::SocketAddress& sender)>;

	/// Binds address now, so a port taken is a start-up error; throws
	/// Poco::Net::NetException. Datagrams over maxBytes are dropped unread.
	DatagramListener(const Poco::Net::SocketAddress& address, std::size_t maxBytes, Handler handler);
	~DatagramListener();

	DatagramListener(const DatagramListener&) = delete;
	DatagramListener& operator=(const DatagramListener&) = delete;

	void start();
	void stop();

	Poco::Net::SocketAddress address() const { return _socket.address(); }
	Poco::UInt64 received() const { return _received; }
	Poco::UInt64 receivedBytes() const { return _receivedBytes; }

private:
	void run();

	Poco::Net::DatagramSocket _socket;
	const std::size_t _maxBytes;
	Handler _handler;
	int _stopSignal = -1;
	std::atomic<bool> _stopping{false};
	std::atomic<Poco::UInt64> _received{0};
	std::atomic<Poco::UInt64> _receivedBytes{0};
	Poco::Thread _thread{"gossip-udp"};
};

} // namespace p2p::gossip

#endif
