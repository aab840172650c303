#ifndef P2P_HttpConnection_INCLUDED
#define P2P_HttpConnection_INCLUDED

#include "http/IdleConnections.h"
#include <Poco/Mutex.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/TCPServerConnection.h>
#include <atomic>

namespace p2p {

class HttpConnections;

/// One HTTP connection on a server thread: reads requests and hands each
/// to the router, as POCO's HTTPServerConnection does, but gives its thread
/// back when the client goes quiet (IdleConnections) instead of holding it
/// for the whole keep-alive time.
class HttpConnection: public Poco::Net::TCPServerConnection
{
public:
	HttpConnection(const Poco::Net::StreamSocket& socket, HttpConnections& owner);

	void run() override;

	/// From another thread: see HttpConnections::closeAll().
	void stop(bool abort);

private:
	enum class Next
	{
		Request,
		Park,
		Close
	};

	/// mayPark false: waits on this thread until the deadline.
	Next awaitRequest(ServerSession& session, Poco::Timestamp deadline, bool mayPark);
	/// Serves requests until the connection closes or parks.
	Next serveAll(ServerSession& session, int& served, Poco::Timestamp& deadline);
	/// Reads and answers one request; false when the connection must close.
	bool serve(ServerSession& session, int served);
	static void sendError(ServerSession& session, Poco::Net::HTTPResponse::HTTPStatus status);

	HttpConnections& _owner;
	std::atomic<bool> _stopped{false};
	/// Held while a request is served, so a graceful stop waits for it.
	Poco::FastMutex _busy;
};

} // namespace p2p

#endif
