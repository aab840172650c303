#include "cluster/PeerChannels.h"
#include "p2p/Errors.h"
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace p2p {

struct PeerChannels::Connection
{
	int fd = -1;
	std::string key;
	bool connected = false;
	bool reused = false;
	bool busy = false;
	Call call;
	Done done;
	std::string out;
	std::size_t outSent = 0;
	std::string in;
	HttpHeadParser parser{HttpHeadParser::Kind::Response, {}};
	std::optional<HttpHead> head;
	std::optional<ChunkedDecoder> chunks;
	std::string body;
	std::uint64_t left = 0;
	std::size_t received = 0; ///< answer bytes, head included
	EventLoop::TimerId timer = 0;         ///< pending, due at timerDue
	Poco::Timestamp::TimeVal timerDue = 0;
	Poco::Timestamp::TimeVal deadline = 0; ///< of the step in progress; 0: none
	Poco::Timespan deadlineStep;           ///< how long that step was given
	bool connecting = false;
};

PeerChannels::PeerChannels(EventLoop& loop, PeerClient::Settings settings): _loop(loop), _settings(settings)
{
}

PeerChannels::~PeerChannels()
{
	// Destroyed with its loop or on its thread; what is still open closes
	// without callbacks (epoll forgets a closed descriptor by itself).
	for (auto& [fd, connection] : _open)
	{
		if (connection->timer != 0) _loop.cancel(connection->timer);
		_loop.unwatch(fd);
		::close(fd);
	}
}

std::string PeerChannels::keyOf(const Call& call)
{
	return call.host + ":" + std::to_string(call.port);
}

void PeerChannels::send(Call call, Done done)
{
	auto& idle = _idle[keyOf(call)];
	if (idle.empty()) return sendFresh(std::move(call), std::move(done));
	ConnectionPtr connection = std::move(idle.back());
	idle.pop_back();
	connection->reused = true;
	start(connection, std::move(call), std::move(done));
}

void PeerChannels::sendFresh(Call call, Done done)
{
	ConnectionPtr connection;
	try
	{
		connection = open(call);
	}
	catch (const Poco::Exception& exc)
	{
		done(nullptr, &exc);
		return;
	}
	start(connection, std::move(call), std::move(done));
}

PeerChannels::ConnectionPtr PeerChannels::open(const Call& call)
{
	const std::string key = keyOf(call);
	auto address = _addresses.find(key);
	if (address == _addresses.end())
	{
		try
		{
			address = _addresses.emplace(key, Poco::Net::SocketAddress(call.host, call.port)).first;
		}
		catch (const Poco::Exception& exc)
		{
			throw BadGatewayException("cannot reach node " + call.what + ": " + exc.displayText());
		}
	}
	const int fd = ::socket(address->second.family() == Poco::Net::SocketAddress::IPv6 ? AF_INET6 : AF_INET,
	                        SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) throw BadGatewayException("cannot reach node " + call.what + ": " + std::strerror(errno));
	const int one = 1;
	::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (::connect(fd, address->second.addr(), address->second.length()) != 0 && errno != EINPROGRESS)
	{
		const std::string why = std::strerror(errno);
		::close(fd);
		throw BadGatewayException("cannot reach node " + call.what + ": " + why);
	}
	auto connection = std::make_shared<Connection>();
	connection->fd = fd;
	connection->key = key;
	_open.emplace(fd, connection);
	std::weak_ptr<Connection> weak = connection;
	_loop.watch(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP, [this, weak](std::uint32_t events) {
		if (auto connection = weak.lock()) onEvents(connection, events);
	}, true);
	return connection;
}

void PeerChannels::start(const ConnectionPtr& connection, Call call, Done done)
{
	connection->busy = true;
	Load& load = _load[connection->key];
	++load.now;
	if (load.peakSince.isElapsed(10 * 1000 * 1000))
	{
		load.peak = load.now;
		load.peakSince.update();
	}
	load.peak = std::max(load.peak, load.now);
	connection->call = std::move(call);
	connection->done = std::move(done);
	connection->out = connection->call.bytes;
	connection->outSent = 0;
	connection->in.clear();
	connection->parser.reset();
	connection->head.reset();
	connection->chunks.reset();
	connection->body.clear();
	connection->received = 0;
	arm(connection, connection->connected ? _settings.requestTimeout : _settings.connectTimeout, !connection->connected);
	if (connection->connected) writeOut(connection);
}

void PeerChannels::arm(const ConnectionPtr& connection, Poco::Timespan step, bool connecting)
{
	Poco::Timespan after = step;
	if (const auto& deadline = connection->call.deadline)
		after = std::min(after, Poco::Timespan(std::max<Poco::Timestamp::TimeDiff>(*deadline - Poco::Timestamp(), 0)));
	Connection& c = *connection;
	c.deadline = (Poco::Timestamp() + after.totalMicroseconds()).epochMicroseconds();
	c.deadlineStep = after;
	c.connecting = connecting;
	// The pending timer comes first and sets itself again: requests on a
	// kept connection move the deadline later, at no timer operation.
	if (c.timer != 0 && c.timerDue <= c.deadline) return;
	if (c.timer != 0) _loop.cancel(c.timer);
	schedule(connection, c.deadline);
}

void PeerChannels::schedule(const ConnectionPtr& connection, Poco::Timestamp::TimeVal due)
{
	std::weak_ptr<Connection> weak = connection;
	connection->timerDue = due;
	connection->timer = _loop.after(std::max<Poco::Timestamp::TimeDiff>(due - Poco::Timestamp().epochMicroseconds(), 0), [this, weak] {
		auto connection = weak.lock();
		if (!connection) return;
		Connection& c = *connection;
		c.timer = 0;
		if (!c.busy || c.deadline == 0) return; // answered meanwhile
		if (Poco::Timestamp().epochMicroseconds() < c.deadline) return schedule(connection, c.deadline);
		fail(connection,
		     GatewayTimeoutException("node " + c.call.what + (c.connecting ? " could not be connected to" : " did not answer") +
		                             " in time (" + std::to_string(c.deadlineStep.totalMilliseconds()) + " ms)"),
		     false);
	});
}

void PeerChannels::onEvents(const ConnectionPtr& connection, std::uint32_t events)
{
	if (!connection->busy)
	{
		// Idle: the peer closing it (or sending what nobody asked for) ends
		// it. An edge may also be late news of bytes the last answer's read
		// already took: only what the socket says now counts.
		if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return;
		char byte;
		const ssize_t n = ::recv(connection->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
		close(connection);
		return;
	}
	if (!connection->connected)
	{
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
		int error = 0;
		socklen_t length = sizeof(error);
		::getsockopt(connection->fd, SOL_SOCKET, SO_ERROR, &error, &length);
		if (error != 0)
		{
			fail(connection, BadGatewayException("cannot reach node " + connection->call.what + ": " + std::strerror(error)), false);
			return;
		}
		connection->connected = true;
		arm(connection, _settings.requestTimeout, false);
	}
	if (connection->outSent < connection->out.size()) writeOut(connection);
	if (connection->busy && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) readIn(connection);
}

void PeerChannels::writeOut(const ConnectionPtr& connection)
{
	while (connection->outSent < connection->out.size())
	{
		const ssize_t n = ::send(connection->fd, connection->out.data() + connection->outSent,
		                         connection->out.size() - connection->outSent, MSG_NOSIGNAL);
		if (n > 0)
		{
			connection->outSent += static_cast<std::size_t>(n);
			continue;
		}
		if (n < 0 && errno == EINTR) continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
		fail(connection, BadGatewayException("node " + connection->call.what + " broke off the connection: " + std::strerror(errno)),
		     true);
		return;
	}
	// Sent. The answer comes after, with an EPOLLIN edge of its own: a
	// read now would find nothing (one wasted call per request).
}

void PeerChannels::readIn(const ConnectionPtr& connection)
{
	char buffer[64 * 1024];
	for (;;)
	{
		const ssize_t n = ::recv(connection->fd, buffer, sizeof(buffer), 0);
		if (n > 0)
		{
			connection->in.append(buffer, static_cast<std::size_t>(n));
			connection->received += static_cast<std::size_t>(n);
			if (connection->received > static_cast<std::size_t>(_settings.maxResponseBytes) + 64 * 1024)
			{
				fail(connection, BadGatewayException("the answer of node " + connection->call.what + " is larger than the client takes"),
				     false);
				return;
			}
			try
			{
				if (parse(connection)) return complete(connection);
			}
			catch (const MalformedHttp& exc)
			{
				fail(connection, BadGatewayException("node " + connection->call.what + " answered malformed HTTP: " + exc.what()),
				     false);
				return;
			}
			continue;
		}
		if (n < 0 && errno == EINTR) continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
		// Closed (or reset) by the peer.
		if (connection->head && connection->head->body == HttpHead::Body::UntilClose) return complete(connection);
		fail(connection, BadGatewayException("node " + connection->call.what + " closed the connection before it answered"),
		     connection->received == 0);
		return;
	}
}

bool PeerChannels::parse(const ConnectionPtr& connection)
{
	Connection& c = *connection;
	while (!c.head)
	{
		HttpHead head;
		const std::size_t length = c.parser.parse(c.in, head, c.call.headRequest);
		if (length == 0) return false;
		c.in.erase(0, length);
		c.parser.reset();
		if (head.status / 100 == 1) continue; // an interim answer: the real one follows
		if (head.body == HttpHead::Body::Length && head.contentLength > static_cast<std::uint64_t>(_settings.maxResponseBytes))
			throw MalformedHttp(502, "an answer of " + std::to_string(head.contentLength) + " bytes, more than the client takes");
		c.left = head.contentLength;
		if (head.body == HttpHead::Body::Chunked) c.chunks.emplace();
		c.head = std::move(head);
	}
	switch (c.head->body)
	{
	case HttpHead::Body::None:
		return true;
	case HttpHead::Body::Length:
	{
		const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(c.left, c.in.size()));
		c.body.append(c.in, 0, n);
		c.in.erase(0, n);
		c.left -= n;
		return c.left == 0;
	}
	case HttpHead::Body::Chunked:
		c.in.erase(0, c.chunks->decode(c.in, c.body));
		return c.chunks->done();
	case HttpHead::Body::UntilClose:
		c.body += c.in;
		c.in.clear();
		return false;
	}
	return false;
}

void PeerChannels::complete(const ConnectionPtr& connection)
{
	Connection& c = *connection;
	PeerResponse answer;
	answer.status = c.head->status;
	answer.body = std::move(c.body);
	if (const std::string* type = c.head->find("Content-Type")) answer.contentType = *type;
	if (const std::string* etag = c.head->find("ETag")) answer.etag = *etag;
	answer.bytesSent = c.call.bytes.size();
	answer.bytesReceived = c.received;
	Done done = std::move(c.done);
	Load& load = _load[c.key];
	--load.now;
	const bool keep = c.head->keepAlive && c.in.empty() && _settings.maxIdlePerPeer > 0 &&
	                  _idle[c.key].size() + load.now < std::max(_settings.maxIdlePerPeer, load.peak);
	c.busy = false;
	c.deadline = 0; // its timer, still pending, finds nothing due
	if (keep)
		_idle[c.key].push_back(connection);
	else
		close(connection);
	done(&answer, nullptr);
}

void PeerChannels::fail(const ConnectionPtr& connection, const Poco::Exception& failure, bool retryable)
{
	Call call = std::move(connection->call);
	Done done = std::move(connection->done);
	const bool again = retryable && connection->reused;
	close(connection);
	if (!again)
	{
		done(nullptr, &failure);
		return;
	}
	// A pooled connection the peer had closed: no news about the peer.
	sendFresh(std::move(call), std::move(done));
}

void PeerChannels::close(const ConnectionPtr& connection)
{
	if (connection->fd < 0) return;
	if (connection->timer != 0) _loop.cancel(connection->timer);
	connection->timer = 0;
	if (connection->busy) --_load[connection->key].now;
	connection->busy = false;
	auto& idle = _idle[connection->key];
	idle.erase(std::remove(idle.begin(), idle.end(), connection), idle.end());
	_loop.unwatch(connection->fd);
	::close(connection->fd);
	_open.erase(connection->fd);
	connection->fd = -1;
}

} // namespace p2p
