#include "cluster/PeerChannels.h"
#include "http/ReadBuffer.h"
#include "p2p/Errors.h"
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace p2p {

namespace {

/// A connection whose oldest call has waited this long for its answer
/// takes no more calls: they would wait behind a slow answer.
constexpr Poco::Timestamp::TimeDiff kSlowAnswer = 10 * 1000;

Poco::Timestamp::TimeVal nowMicros()
{
	return Poco::Timestamp().epochMicroseconds();
}

} // namespace

void PeerChannels::Trouble::tell(const Done& done, const Call& call) const
{
	const std::string sentence = before + call.what() + after;
	if (timedOut)
	{
		const GatewayTimeoutException error(sentence);
		done(nullptr, &error);
	}
	else
	{
		const BadGatewayException error(sentence);
		done(nullptr, &error);
	}
}

std::string PeerChannels::Call::what() const
{
	return "http://" + host + ":" + std::to_string(port) + " for " + bytes.substr(0, bytes.find(" HTTP/1.1\r\n"));
}

struct PeerChannels::Pending
{
	Call call;
	Done done;
	Poco::Timestamp::TimeVal queued = 0;
	Poco::Timestamp::TimeVal due = 0; ///< its answer's deadline once its connection is made; 0 before
	Poco::Timespan given;             ///< how long that was, for the timeout's sentence
	bool abandoned = false;           ///< timed out behind another: its answer is read and dropped
	bool resent = false;              ///< this is its second sending
};

struct PeerChannels::Connection
{
	int fd = -1;
	std::string key;
	bool connected = false;
	bool pipelined = false;        ///< GET and HEAD calls may join it while others wait
	std::size_t answered = 0;      ///< calls it carried to their end
	std::deque<Pending> calls;     ///< in the order sent: the front's answer comes first
	std::string out;
	std::size_t outSent = 0;
	bool flushQueued = false;
	ReadBuffer in;
	// The front call's answer, as far as it came.
	HttpHeadParser parser{HttpHeadParser::Kind::Response, {}};
	std::optional<HttpHead> head;
	std::optional<ChunkedDecoder> chunks;
	std::string body;
	std::uint64_t left = 0;
	std::size_t received = 0; ///< its bytes, head included
	Poco::Timestamp::TimeVal connectDue = 0; ///< while connecting
	Poco::Timespan connectGiven;
	EventLoop::TimerId timer = 0; ///< pending, due at timerDue
	Poco::Timestamp::TimeVal timerDue = 0;

	bool busy() const { return !calls.empty(); }
	void startAnswer()
	{
		parser.reset();
		head.reset();
		chunks.reset();
		body.clear();
		left = 0;
		received = 0;
	}
	/// The nearest deadline: to connect; or of the answer being read (an
	/// abandoned one's too, long past: a connection stuck on an answer
	/// nobody waits for goes), or of a call behind it still waited for.
	Poco::Timestamp::TimeVal deadline() const
	{
		if (calls.empty()) return 0;
		if (!connected) return connectDue;
		Poco::Timestamp::TimeVal nearest = calls.front().due;
		for (const Pending& pending : calls)
			if (!pending.abandoned) nearest = std::min(nearest, pending.due);
		return nearest;
	}
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

Poco::Timespan PeerChannels::allowed(const Call& call, Poco::Timespan step)
{
	if (!call.deadline) return step;
	return std::min(step, Poco::Timespan(std::max<Poco::Timestamp::TimeDiff>(*call.deadline - Poco::Timestamp(), 0)));
}

void PeerChannels::send(Call call, Done done)
{
	Pending pending;
	pending.call = std::move(call);
	pending.done = std::move(done);
	send(std::move(pending));
}

void PeerChannels::send(Pending pending)
{
	pending.queued = nowMicros();
	pending.due = 0;
	pending.abandoned = false;
	const std::string key = keyOf(pending.call);
	const bool pipelines = pending.call.safe && _settings.pipelineDepth > 1 && _settings.maxIdlePerPeer > 0;
	if (pipelines)
		if (ConnectionPtr connection = pipelineFor(key)) return enqueue(connection, std::move(pending));
	ConnectionPtr connection;
	auto& idle = _idle[key];
	// A second sending takes a fresh connection: the failed one's idle
	// siblings may have been closed by the peer too (it restarted).
	if (!idle.empty() && !pending.resent)
	{
		connection = std::move(idle.back());
		idle.pop_back();
	}
	else
	{
		try
		{
			connection = open(pending.call);
		}
		catch (const Poco::Exception& exc)
		{
			pending.done(nullptr, &exc);
			return;
		}
	}
	connection->pipelined = pipelines;
	if (pipelines) _pipelines[key].push_back(connection);
	enqueue(connection, std::move(pending));
}

PeerChannels::ConnectionPtr PeerChannels::pipelineFor(const std::string& key) const
{
	const auto found = _pipelines.find(key);
	if (found == _pipelines.end()) return nullptr;
	const Poco::Timestamp::TimeVal now = nowMicros();
	for (const ConnectionPtr& connection : found->second)
		if (connection->calls.size() < _settings.pipelineDepth && now - connection->calls.front().queued < kSlowAnswer)
			return connection;
	return nullptr;
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
			throw BadGatewayException("cannot reach node " + call.what() + ": " + exc.displayText());
		}
	}
	const int fd = ::socket(address->second.family() == Poco::Net::SocketAddress::IPv6 ? AF_INET6 : AF_INET,
	                        SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) throw BadGatewayException("cannot reach node " + call.what() + ": " + std::strerror(errno));
	const int one = 1;
	::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (::connect(fd, address->second.addr(), address->second.length()) != 0 && errno != EINPROGRESS)
	{
		const std::string why = std::strerror(errno);
		::close(fd);
		throw BadGatewayException("cannot reach node " + call.what() + ": " + why);
	}
	auto connection = std::make_shared<Connection>();
	connection->fd = fd;
	connection->key = key;
	connection->connectGiven = allowed(call, _settings.connectTimeout);
	connection->connectDue = nowMicros() + connection->connectGiven.totalMicroseconds();
	_open.emplace(fd, connection);
	std::weak_ptr<Connection> weak = connection;
	_loop.watch(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP, [this, weak](std::uint32_t events) {
		if (auto connection = weak.lock()) onEvents(connection, events);
	}, true);
	return connection;
}

void PeerChannels::enqueue(const ConnectionPtr& connection, Pending pending)
{
	Load& load = _load[connection->key];
	++load.now;
	if (load.peakSince.isElapsed(10 * 1000 * 1000))
	{
		load.peak = load.now;
		load.peakSince.update();
	}
	load.peak = std::max(load.peak, load.now);
	Connection& c = *connection;
	if (c.connected) startWaiting(pending, pending.queued);
	if (c.outSent == c.out.size())
	{
		c.out.clear();
		c.outSent = 0;
	}
	if (pending.call.sign) pending.call.sign(pending.call.bytes);
	c.out.append(pending.call.bytes);
	c.calls.push_back(std::move(pending));
	arm(connection);
	if (c.connected) queueFlush(connection);
}

void PeerChannels::startWaiting(Pending& pending, Poco::Timestamp::TimeVal from) const
{
	pending.given = allowed(pending.call, _settings.requestTimeout);
	pending.due = from + pending.given.totalMicroseconds();
}

void PeerChannels::queueFlush(const ConnectionPtr& connection)
{
	if (connection->flushQueued) return;
	connection->flushQueued = true;
	std::weak_ptr<Connection> weak = connection;
	_loop.atTurnEnd([this, weak] {
		auto connection = weak.lock();
		if (!connection) return;
		connection->flushQueued = false;
		if (connection->fd >= 0 && connection->connected) writeOut(connection);
	});
}

void PeerChannels::arm(const ConnectionPtr& connection)
{
	Connection& c = *connection;
	const Poco::Timestamp::TimeVal due = c.deadline();
	if (due == 0) return; // the pending timer, if any, finds nothing due
	if (c.timer != 0 && c.timerDue <= due) return; // it comes first, and sets itself again
	if (c.timer != 0) _loop.cancel(c.timer);
	schedule(connection, due);
}

void PeerChannels::schedule(const ConnectionPtr& connection, Poco::Timestamp::TimeVal due)
{
	std::weak_ptr<Connection> weak = connection;
	connection->timerDue = due;
	connection->timer = _loop.after(std::max<Poco::Timestamp::TimeDiff>(due - nowMicros(), 0), [this, weak] {
		auto connection = weak.lock();
		if (!connection) return;
		connection->timer = 0;
		const Poco::Timestamp::TimeVal due = connection->deadline();
		if (due == 0) return; // answered meanwhile
		if (nowMicros() < due) return schedule(connection, due);
		expire(connection);
	});
}

void PeerChannels::expire(const ConnectionPtr& connection)
{
	Connection& c = *connection;
	if (!c.connected)
	{
		fail(connection, Trouble{true, "node ", " could not be connected to in time (" + std::to_string(c.connectGiven.totalMilliseconds()) + " ms)"},
		     Failure::Unreachable);
		return;
	}
	const Poco::Timestamp::TimeVal now = nowMicros();
	auto timedOut = [](const Pending& pending) {
		return Trouble{true, "node ", " did not answer in time (" + std::to_string(pending.given.totalMilliseconds()) + " ms)"};
	};
	if (c.calls.front().due <= now) return fail(connection, timedOut(c.calls.front()), Failure::Answer);
	// Behind an answer still in time: theirs will come, and be dropped.
	std::vector<Pending> late;
	for (Pending& pending : c.calls)
		if (!pending.abandoned && pending.due <= now)
		{
			pending.abandoned = true;
			Pending told;
			told.call.host = pending.call.host;
			told.call.port = pending.call.port;
			told.call.bytes = pending.call.bytes; // a GET's: a line and a few fields
			told.given = pending.given;
			told.done = std::move(pending.done);
			late.push_back(std::move(told));
		}
	arm(connection);
	for (const Pending& pending : late) timedOut(pending).tell(pending.done, pending.call);
}

void PeerChannels::onEvents(const ConnectionPtr& connection, std::uint32_t events)
{
	if (!connection->busy())
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
			fail(connection, Trouble{false, "cannot reach node ", std::string(": ") + std::strerror(error)}, Failure::Unreachable);
			return;
		}
		connected(connection);
	}
	if (connection->outSent < connection->out.size()) writeOut(connection);
	if (connection->busy() && connection->fd >= 0 && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
		readIn(connection);
}

void PeerChannels::connected(const ConnectionPtr& connection)
{
	Connection& c = *connection;
	c.connected = true;
	// Each call's wait for its answer starts now.
	const Poco::Timestamp::TimeVal now = nowMicros();
	for (Pending& pending : c.calls) startWaiting(pending, now);
	arm(connection);
}

void PeerChannels::writeOut(const ConnectionPtr& connection)
{
	Connection& c = *connection;
	while (c.outSent < c.out.size())
	{
		const ssize_t n = ::send(c.fd, c.out.data() + c.outSent, c.out.size() - c.outSent, MSG_NOSIGNAL);
		if (n > 0)
		{
			c.outSent += static_cast<std::size_t>(n);
			continue;
		}
		if (n < 0 && errno == EINTR) continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
		fail(connection, Trouble{false, "node ", std::string(" broke off the connection: ") + std::strerror(errno)},
		     Failure::Broken);
		return;
	}
	// Sent. The answers come after, with an EPOLLIN edge of their own: a
	// read now would find nothing (one wasted call per request).
	c.out.clear();
	c.outSent = 0;
}

void PeerChannels::readIn(const ConnectionPtr& connection)
{
	Connection& c = *connection;
	char buffer[64 * 1024];
	for (;;)
	{
		const ssize_t n = ::recv(c.fd, buffer, sizeof(buffer), 0);
		if (n > 0)
		{
			c.in.append(buffer, static_cast<std::size_t>(n));
			try
			{
				while (c.busy() && parse(c))
				{
					complete(connection);
					if (c.fd < 0) return; // closed with its last answer
				}
			}
			catch (const MalformedHttp& exc)
			{
				fail(connection, Trouble{false, "node ", std::string(" answered malformed HTTP: ") + exc.what()}, Failure::Answer);
				return;
			}
			if (!c.busy() && !c.in.empty())
			{
				close(connection); // bytes nobody asked for
				return;
			}
			continue;
		}
		if (n < 0 && errno == EINTR) continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
		// Closed (or reset) by the peer.
		if (!c.busy()) return close(connection);
		if (c.head && c.head->body == HttpHead::Body::UntilClose)
		{
			complete(connection);
			if (c.fd < 0 || !c.busy()) return;
		}
		fail(connection, Trouble{false, "node ", " closed the connection before it answered"}, Failure::Broken);
		return;
	}
}

bool PeerChannels::parse(Connection& c)
{
	const Pending& front = c.calls.front();
	while (!c.head)
	{
		HttpHead head;
		const std::size_t length = c.parser.parse(c.in.view(), head, front.call.headRequest);
		if (length == 0)
		{
			if (c.in.size() > 64 * 1024) throw MalformedHttp(502, "an answer's head of more than 64 KiB");
			return false;
		}
		c.in.consume(length);
		c.received += length;
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
		c.body.append(c.in.data(), n);
		c.in.consume(n);
		c.received += n;
		c.left -= n;
		return c.left == 0;
	}
	case HttpHead::Body::Chunked:
	{
		const std::size_t used = c.chunks->decode(c.in.view(), c.body);
		c.in.consume(used);
		c.received += used;
		if (c.body.size() > static_cast<std::size_t>(_settings.maxResponseBytes))
			throw MalformedHttp(502, "an answer larger than the client takes");
		return c.chunks->done();
	}
	case HttpHead::Body::UntilClose:
		c.body.append(c.in.data(), c.in.size());
		c.received += c.in.size();
		c.in.clear();
		if (c.body.size() > static_cast<std::size_t>(_settings.maxResponseBytes))
			throw MalformedHttp(502, "an answer larger than the client takes");
		return false;
	}
	return false;
}

void PeerChannels::complete(const ConnectionPtr& connection)
{
	Connection& c = *connection;
	Pending finished = std::move(c.calls.front());
	c.calls.pop_front();
	PeerResponse answer;
	answer.status = c.head->status;
	answer.body = std::move(c.body);
	if (const std::string* type = c.head->find("Content-Type")) answer.contentType = *type;
	if (const std::string* etag = c.head->find("ETag")) answer.etag = *etag;
	answer.bytesSent = finished.call.bytes.size();
	answer.bytesReceived = c.received;
	const bool keepAlive = c.head->keepAlive;
	c.startAnswer();
	++c.answered;
	Load& load = _load[c.key];
	--load.now;
	if (!keepAlive)
	{
		// The peer closes after this answer: what else it carried goes again
		// (nothing of theirs was read).
		std::deque<Pending> rest = std::move(c.calls);
		c.calls.clear();
		load.now -= rest.size();
		close(connection);
		for (Pending& pending : rest)
			if (!pending.abandoned) send(std::move(pending));
	}
	else if (!c.busy())
	{
		auto& pipelines = _pipelines[c.key];
		pipelines.erase(std::remove(pipelines.begin(), pipelines.end(), connection), pipelines.end());
		c.pipelined = false;
		const bool keep = c.in.empty() && _settings.maxIdlePerPeer > 0 &&
		                  _idle[c.key].size() + load.now < std::max(_settings.maxIdlePerPeer, load.peak);
		if (keep)
			_idle[c.key].push_back(connection);
		else
			close(connection);
	}
	else
		arm(connection);
	if (!finished.abandoned) finished.done(&answer, nullptr);
}

void PeerChannels::fail(const ConnectionPtr& connection, const Trouble& trouble, Failure kind)
{
	Connection& c = *connection;
	std::deque<Pending> calls = std::move(c.calls);
	c.calls.clear();
	_load[c.key].now -= calls.size();
	// The one being answered may go again only when nothing of its answer
	// came and the connection was a pooled one the peer may have closed.
	const bool frontAgain = kind == Failure::Broken && c.received == 0 && !c.head && c.answered > 0;
	close(connection);
	std::vector<Pending> failed; // told once the others are on their way again
	for (std::size_t i = 0; i < calls.size(); ++i)
	{
		Pending& pending = calls[i];
		if (pending.abandoned) continue;
		const bool again = !pending.resent && kind != Failure::Unreachable && (i == 0 ? frontAgain : pending.call.safe);
		if (!again)
		{
			failed.push_back(std::move(pending));
			continue;
		}
		pending.resent = true;
		send(std::move(pending));
	}
	for (const Pending& pending : failed) trouble.tell(pending.done, pending.call);
}

void PeerChannels::close(const ConnectionPtr& connection)
{
	Connection& c = *connection;
	if (c.fd < 0) return;
	if (c.timer != 0) _loop.cancel(c.timer);
	c.timer = 0;
	_load[c.key].now -= std::min(_load[c.key].now, c.calls.size());
	c.calls.clear();
	for (auto* pool : {&_idle[c.key], &_pipelines[c.key]})
		pool->erase(std::remove(pool->begin(), pool->end(), connection), pool->end());
	_loop.unwatch(c.fd);
	::close(c.fd);
	_open.erase(c.fd);
	c.fd = -1;
}

} // namespace p2p
