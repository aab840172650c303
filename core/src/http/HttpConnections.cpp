#include "http/HttpConnections.h"
#include "http/HttpConnection.h"

namespace p2p {

HttpConnections::HttpConnections(Poco::Net::HTTPServerParams::Ptr params,
                                 Poco::Net::HTTPRequestHandlerFactory::Ptr handlers, SlowClientGuard& guard,
                                 IdleConnections& idle, Poco::Timespan idlePark, Poco::Timespan headerTimeout):
	_params(params),
	_handlers(handlers),
	_guard(guard),
	_idle(idle),
	_idlePark(idlePark),
	_headerTimeout(headerTimeout)
{
}

Poco::Net::TCPServerConnection* HttpConnections::createConnection(const Poco::Net::StreamSocket& socket)
{
	return new HttpConnection(socket, *this);
}

bool HttpConnections::queue(const Poco::Net::StreamSocket& socket)
{
	Poco::FastMutex::ScopedLock lock(_queueMutex);
	const int refusedBefore = _dispatcher->refusedConnections();
	_dispatcher->enqueue(socket);
	return _dispatcher->refusedConnections() == refusedBefore;
}

bool HttpConnections::add(HttpConnection& connection)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	if (_closing) return false;
	_live.insert(&connection);
	return true;
}

void HttpConnections::remove(HttpConnection& connection)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	_live.erase(&connection);
}

void HttpConnections::closeAll(bool abort)
{
	// Under the lock throughout, so no connection is destroyed while it is
	// being stopped; a graceful stop waits here for requests in hand.
	Poco::FastMutex::ScopedLock lock(_mutex);
	_closing = true;
	for (HttpConnection* connection : _live) connection->stop(abort);
}

} // namespace p2p
