#include "http/HttpConnection.h"
#include "http/HttpConnections.h"
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/NetException.h>
#include <algorithm>
#include <cerrno>
#include <memory>
#include <mutex>
#include <poll.h>
#include <sys/socket.h>

namespace p2p {

namespace {

/// A connection taken up from the queue gets at least this long to be
/// read, whatever deadline it had when its client sent.
const Poco::Timespan kQueueGrace(1, 0);

} // namespace

HttpConnection::HttpConnection(const Poco::Net::StreamSocket& socket, HttpConnections& owner):
	TCPServerConnection(socket),
	_owner(owner)
{
}

void HttpConnection::stop(bool abort)
{
	_stopped = true;
	// Shutting the socket down ends a wait for the next request, or (when
	// aborting) a handler's read or write; a graceful stop lets the request
	// in hand finish first. On the descriptor, not the socket object: a TLS
	// socket's shutdown() would write from this thread while the
	// connection's own thread uses the TLS state. The descriptor is still
	// the connection's: it closes only after leaving the registry.
	std::unique_lock<Poco::FastMutex> lock(_busy, std::defer_lock);
	if (!abort) lock.lock();
	const int fd = socket().impl()->sockfd();
	if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
}

void HttpConnection::run()
{
	auto parked = _owner._idle.resume(socket());
	// Declared before any registration, so destroyed after it: the socket
	// closes only once stop() can no longer reach it.
	std::unique_ptr<ServerSession> session =
		parked ? std::move(parked->session) : std::make_unique<ServerSession>(socket(), _owner._params);
	int served = parked ? parked->served : 0;
	// A new connection's head is due http.header_timeout_ms after a thread
	// first took it up, however long it was parked meanwhile; but a client
	// that did send in time is not blamed for the wait in our queue.
	Poco::Timestamp deadline = Poco::Timestamp() + _owner._headerTimeout;
	if (parked && served == 0)
		deadline = std::max(parked->deadline, Poco::Timestamp() + kQueueGrace.totalMicroseconds());

	struct Registration
	{
		Registration(HttpConnections& owner, HttpConnection& connection):
			owner(owner),
			connection(connection),
			admitted(owner.add(connection))
		{
		}
		~Registration()
		{
			if (admitted) owner.remove(connection);
		}
		HttpConnections& owner;
		HttpConnection& connection;
		const bool admitted;
	};

	// Taken up from the queue, the connection is served at once. When a park
	// is refused (http.max_idle_connections are parked, or the node is
	// stopping), it waits here for its next request, as POCO would, and
	// tries to park again after the next answer.
	for (bool waitHere = false;; waitHere = true)
	{
		Next next = Next::Close;
		{
			const Registration live(_owner, *this);
			if (!live.admitted) return; // stopping
			// A first head is due by the deadline. A later one: within the
			// header time once a thread watches for it, or after a wait here,
			// the keep-alive wait plus the header time, as
			// SlowClientGuard::requestFinished() gives.
			const Poco::Int64 headDue = served == 0 ? deadline.epochMicroseconds()
			                            : waitHere  ? (deadline + _owner._headerTimeout).epochMicroseconds()
			                                        : 0;
			SlowClientGuard::Watch watch(_owner._guard, socket(), headDue);
			if (!waitHere || awaitRequest(*session, deadline, false) == Next::Request)
				next = serveAll(*session, served, deadline);
		}
		if (next != Next::Park) return;
		IdleConnections::Parked quiet{std::move(session), served, deadline};
		if (_owner._idle.park(quiet)) return;
		session = std::move(quiet.session);
	}
}

HttpConnection::Next HttpConnection::serveAll(ServerSession& session, int& served, Poco::Timestamp& deadline)
{
	const Poco::Timespan keepAlive = _owner._params->getKeepAliveTimeout();
	for (;;)
	{
		const Next next = awaitRequest(session, deadline, true);
		if (next != Next::Request) return next;
		const bool again = serve(session, served);
		++served;
		if (!again) return Next::Close;
		deadline = Poco::Timestamp() + keepAlive;
	}
}

HttpConnection::Next HttpConnection::awaitRequest(ServerSession& session, Poco::Timestamp deadline, bool mayPark)
{
	if (_stopped) return Next::Close;
	// Pipelined requests wait in the session's buffer or, over TLS, in the
	// TLS layer; neither shows on the socket.
	if (session.buffered() > 0) return Next::Request;
	if (socket().secure() && socket().available() > 0) return Next::Request;

	// Past the deadline, only a request already sent is read. When other
	// connections wait for a thread, this one only keeps its thread if its
	// next request is already there.
	const Poco::Timestamp::TimeDiff left = deadline - Poco::Timestamp();
	const Poco::Timestamp::TimeDiff wait = left <= 0 ? 0
	                                       : !mayPark ? left
	                                       : _owner.othersWaiting() ? 0
	                                                                : std::min(left, _owner._idlePark.totalMicroseconds());
	pollfd watched{};
	watched.fd = socket().impl()->sockfd();
	watched.events = POLLIN;
	int ready = 0;
	do
	{
		ready = ::poll(&watched, 1, static_cast<int>((wait + 999) / 1000));
	} while (ready < 0 && errno == EINTR && !_stopped);
	// Readable, closed or failed: reading the request tells which.
	if (ready != 0) return Next::Request;
	return mayPark && left > 0 && deadline > Poco::Timestamp() ? Next::Park : Next::Close;
}

bool HttpConnection::serve(ServerSession& session, int served)
{
	Poco::FastMutex::ScopedLock lock(_busy);
	if (_stopped) return false;
	const Poco::Net::HTTPServerParams& params = *_owner._params;
	Poco::Net::HTTPServerResponseImpl response(session);
	std::unique_ptr<Poco::Net::HTTPServerRequestImpl> request;
	try
	{
		request = std::make_unique<Poco::Net::HTTPServerRequestImpl>(response, session, _owner._params.get());
	}
	catch (const Poco::Net::NoMessageException&)
	{
		return false; // the client closed the connection between requests
	}
	catch (const Poco::Net::MessageException&)
	{
		sendError(session, Poco::Net::HTTPResponse::HTTP_BAD_REQUEST);
		return false;
	}

	const int most = params.getMaxKeepAliveRequests();
	const bool mayKeepAlive = params.getKeepAlive() && (most <= 0 || served + 1 < most);
	response.setDate(Poco::Timestamp());
	response.setVersion(request->getVersion());
	response.setKeepAlive(mayKeepAlive && request->getKeepAlive());
	if (!params.getSoftwareVersion().empty()) response.set("Server", params.getSoftwareVersion());
	try
	{
		std::unique_ptr<Poco::Net::HTTPRequestHandler> handler(_owner._handlers->createRequestHandler(*request));
		if (!handler)
		{
			sendError(session, Poco::Net::HTTPResponse::HTTP_NOT_IMPLEMENTED);
			return false;
		}
		if (request->getExpectContinue() && response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK)
			response.sendContinue();
		handler->handleRequest(*request, response);
	}
	catch (const Poco::Exception&)
	{
		if (!response.sent())
		{
			try
			{
				sendError(session, Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR);
			}
			catch (const Poco::Exception&)
			{
				// The connection is gone; the error below says why.
			}
		}
		throw;
	}
	session.setKeepAlive(mayKeepAlive && response.getKeepAlive());
	return session.getKeepAlive();
}

void HttpConnection::sendError(ServerSession& session, Poco::Net::HTTPResponse::HTTPStatus status)
{
	Poco::Net::HTTPServerResponseImpl response(session);
	response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
	response.setStatusAndReason(status);
	response.setKeepAlive(false);
	response.send();
	session.setKeepAlive(false);
}

} // namespace p2p
