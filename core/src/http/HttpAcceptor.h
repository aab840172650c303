#ifndef P2P_HttpAcceptor_INCLUDED
#define P2P_HttpAcceptor_INCLUDED

#include "http/HttpConnections.h"
#include <Poco/Net/ServerSocket.h>
#include <Poco/Thread.h>
#include <atomic>

namespace p2p {

/// Accepts connections on one listening socket and queues them on the
/// dispatcher, as POCO's TCPServer does; but the dispatcher is ours to
/// share, so connections coming back from IdleConnections queue on the
/// same one and compete for the same threads.
class HttpAcceptor: public Poco::Runnable
{
public:
	HttpAcceptor(Poco::Net::ServerSocket& socket, HttpConnections& connections);
	~HttpAcceptor() override;

	HttpAcceptor(const HttpAcceptor&) = delete;
	HttpAcceptor& operator=(const HttpAcceptor&) = delete;

	void start();
	/// Stops accepting (wakes the thread, which is never woken otherwise
	/// but by a connection).
	void stop();

private:
	void run() override;

	Poco::Net::ServerSocket& _socket;
	HttpConnections& _connections;
	std::atomic<bool> _stopped{false};
	int _stopSignal = -1; ///< eventfd that stop() writes
	Poco::Thread _thread;
};

} // namespace p2p

#endif
