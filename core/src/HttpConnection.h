#ifndef P2P_HttpConnection_INCLUDED
#define P2P_HttpConnection_INCLUDED

#include "IdleConnections.h"
#include "SlowClientGuard.h"
#include <Poco/Mutex.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/Net/TCPServerDispatcher.h>
#include <atomic>
#include <set>

namespace p2p {

class HttpConnection;

/// Makes the node's HTTP connections and knows the live ones, so that
/// stopping can end them. Shared by the http and https listeners.
class HttpConnections: public Poco::Net::TCPServerConnectionFactory
{
public:
	/// idlePark: http.idle_park_ms, how long a thread waits for a quiet
	/// connection's next request before it parks the connection in `idle`.
	/// headerTimeout: how long a new connection may stay parked before its
	/// first request.
	HttpConnections(Poco::Net::HTTPServerParams::Ptr params, Poco::Net::HTTPRequestHandlerFactory::Ptr handlers,
	                SlowClientGuard& guard, IdleConnections& idle, Poco::Timespan idlePark,
	                Poco::Timespan headerTimeout);

	/// The dispatcher the connections run on: a thread also parks its
	/// connection at once when connections wait in its queue.
	void serveFrom(Poco::Net::TCPServerDispatcher& dispatcher) { _dispatcher = &dispatcher; }

	/// Queues a connection on the dispatcher, new or back from parking;
	/// false when the queue was full and it was dropped (closed, unless
	/// somebody else holds it).
	bool queue(const Poco::Net::StreamSocket& socket);

	Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override;

	/// Ends the live connections: each after its current request, or at
	/// once (abort), which also ends handlers blocked on the network. New
	/// ones end as soon as they start.
	void closeAll(bool abort);

private:
	friend class HttpConnection;

	bool add(HttpConnection& connection);
	void remove(HttpConnection& connection);
	bool othersWaiting() const { return _dispatcher && _dispatcher->queuedConnections() > 0; }

	Poco::Net::HTTPServerParams::Ptr _params;
	Poco::Net::HTTPRequestHandlerFactory::Ptr _handlers;
	SlowClientGuard& _guard;
	IdleConnections& _idle;
	const Poco::Timespan _idlePark;
	const Poco::Timespan _headerTimeout;
	Poco::Net::TCPServerDispatcher* _dispatcher = nullptr;
	/// One enqueue at a time, so the dispatcher's refusal count tells whose
	/// connection it refused.
	Poco::FastMutex _queueMutex;
	Poco::FastMutex _mutex;
	std::set<HttpConnection*> _live;
	bool _closing = false;
};

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
