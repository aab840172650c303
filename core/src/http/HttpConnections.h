#ifndef P2P_HttpConnections_INCLUDED
#define P2P_HttpConnections_INCLUDED

#include "http/IdleConnections.h"
#include "http/SlowClientGuard.h"
#include <Poco/Mutex.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/Net/TCPServerDispatcher.h>
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

} // namespace p2p

#endif
