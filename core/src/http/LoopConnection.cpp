#include "http/LoopConnection.h"
#include "http/LoopHttpServer.h"
#include "p2p/Json.h"
#include "p2p/Request.h"
#include "routing/HttpRouter.h"
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Object.h>
#include <cerrno>
#include <ctime>
#include <utility>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace p2p {

namespace {

/// The Date header for now, formatted once a second per loop thread rather
/// than once per response.
const std::string& httpDateNow()
{
	thread_local std::string formatted;
	thread_local std::time_t second = -1;
	const std::time_t now = std::time(nullptr);
	if (now != second)
	{
		formatted = Poco::DateTimeFormatter::format(Poco::Timestamp::fromEpochTime(now), Poco::DateTimeFormat::HTTP_FORMAT);
		second = now;
	}
	return formatted;
}

constexpr std::size_t kReadChunk = 64 * 1024;
/// Bytes a client may send past the request in hand (pipelining) before
/// the connection stops reading until that request is answered.
constexpr std::size_t kMaxReadAhead = 1024 * 1024;
/// Answers to pipelined requests wait for the end of the loop's turn and go
/// out in one write, up to this many bytes; past it they are written at once.
constexpr std::size_t kMaxCorked = 64 * 1024;
/// After an answer that closes the connection: how long, and how much, of
/// what the client still sends is read and dropped, so that it sees the
/// answer rather than a reset.
const Poco::Timespan kLingerTime(2, 0);
constexpr std::size_t kMaxLingerBytes = 4 * 1024 * 1024;

const char* const kHeadDue = "head";
const char* const kIdle = "idle";
const char* const kBodyDue = "body";
const char* const kLinger = "linger";

} // namespace

LoopConnection::LoopConnection(LoopHttpServer& server, EventLoop& loop, int fd, Poco::Net::SocketAddress client,
                               Poco::Net::SocketAddress local, std::string address):
	_server(server),
	_loop(loop),
	_fd(fd),
	_client(std::move(client)),
	_local(std::move(local)),
	_address(std::move(address)),
	_parser(HttpHeadParser::Kind::Request, server.settings().limits)
{
}

LoopConnection::~LoopConnection()
{
	if (_fd >= 0) ::close(_fd);
}

void LoopConnection::start()
{
	// Edge-triggered, reads and writes both: no epoll_ctl per request; each
	// wake-up reads (or writes) until the socket says EAGAIN.
	std::weak_ptr<LoopConnection> weak = shared_from_this();
	_loop.watch(_fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP, [weak](std::uint32_t events) {
		if (auto self = weak.lock()) self->onEvents(events);
	}, true);
	arm(_server.settings().headerTimeout, kHeadDue);
	updateIdle();
}

bool LoopConnection::waitingForRequest() const
{
	return _state == State::Head && _in.empty() && !_exchange;
}

void LoopConnection::updateIdle()
{
	const bool idle = waitingForRequest();
	if (idle == _countedIdle) return;
	_countedIdle = idle;
	_server.idleChanged(idle ? 1 : -1);
}

void LoopConnection::stop(bool abort)
{
	_stopping = true;
	if (abort || (_state == State::Head && !_exchange)) close();
}

void LoopConnection::onEvents(std::uint32_t events)
{
	handle(events);
	if (_state != State::Closed) updateIdle();
}

void LoopConnection::handle(std::uint32_t events)
{
	if (events & EPOLLERR)
	{
		close();
		return;
	}
	if ((events & EPOLLOUT) && _outSent < _out.size()) writeSocket();
	if (_state == State::Closed) return;
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))
	{
		// Its end is in the socket already: no edge will say so again.
		if (events & (EPOLLRDHUP | EPOLLHUP)) _peerClosed = true;
		const bool open = readSocket();
		if (_state == State::Closed) return;
		advance();
		if (!open && _state != State::Closed)
		{
			// The client is done sending. Mid-head or mid-body, nobody will
			// read an answer to a request it did not finish; with a request
			// in hand, its answer still goes (a half-close is allowed).
			if (_state == State::Handling && _bodyDone)
				_closeWhenWritten = true;
			else
				close();
		}
	}
}

bool LoopConnection::readSocket()
{
	char buffer[kReadChunk];
	for (;;)
	{
		if (_readPaused) return true;
		const ssize_t n = ::recv(_fd, buffer, sizeof(buffer), 0);
		if (n > 0)
		{
			if (_state == State::Draining)
			{
				_drained += static_cast<std::size_t>(n);
				if (_drained > kMaxLingerBytes)
				{
					close();
					return false;
				}
				continue;
			}
			// The first byte of a request: its head is due from now.
			if (waitingForRequest() && armed()) arm(_server.settings().headerTimeout, kHeadDue);
			_in.append(buffer, static_cast<std::size_t>(n));
			// Past the request in hand, a bounded read-ahead, then the socket
			// waits (and so does the client, by TCP's window).
			if (_state == State::Handling && _bodyDone && _in.size() > kMaxReadAhead) _readPaused = true;
			if (_state == State::Body || (_state == State::Handling && !_bodyDone)) takeBody();
			if (_state == State::Closed) return false;
			// Less than asked for: the socket is empty now, and what comes
			// later raises an edge of its own. Reading on until EAGAIN cost
			// a call that finds nothing for most requests.
			if (static_cast<std::size_t>(n) < sizeof(buffer) && !_peerClosed) return true;
			continue;
		}
		if (n == 0)
		{
			if (_state == State::Draining) close();
			return false;
		}
		if (errno == EINTR) continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
		close();
		return false;
	}
}

void LoopConnection::advance()
{
	while (_state != State::Closed && _state != State::Draining)
	{
		if (_state == State::Head)
		{
			if (_in.empty() || !startRequest()) return;
		}
		else if (_state == State::Body)
		{
			if (!takeBody()) return;
			if (_state == State::Body) runHandler();
		}
		else
		{
			// Handling: a streamed body goes on to the handler as it comes;
			// the exchange's end moves the connection on.
			if (!_bodyDone && !_in.empty()) takeBody();
			return;
		}
	}
}

bool LoopConnection::startRequest()
{
	HttpHead head;
	std::size_t length = 0;
	try
	{
		length = _parser.parse(_in.view(), head);
	}
	catch (const MalformedHttp& exc)
	{
		refuse(exc.status(), exc.what());
		return false;
	}
	if (length == 0)
	{
		// Part of a head: one more unfinished from this address.
		if (!_headInProgress && !_server.startHead(_address))
		{
			refuse(429, "more unfinished request heads from " + _client.host().toString() +
			                " than http.max_heads_per_address allows");
			return false;
		}
		_headInProgress = true;
		return false;
	}
	if (std::exchange(_headInProgress, false)) _server.endHead(_address);
	_in.consume(length);
	_parser.reset();
	_head = std::move(head);
	++_served;
	if (counted() && !_server.admitRequest(_address))
	{
		refuse(429, "more requests from " + _client.host().toString() +
		                " than http.max_requests_per_s_per_address allows; slow down");
		return false;
	}

	const HttpRouter::Plan plan = _server.router().plan(_head.method, _head.target);
	_exchange = std::make_shared<LoopExchange>(
		LoopExchange::Context{_loop, weak_from_this(), _client, _local, _server.params()}, _head);
	Poco::Net::HTTPServerResponse& response = _exchange->response();
	const auto& params = *_server.params();
	const int most = _server.settings().maxKeepAliveRequests;
	response.setKeepAlive(params.getKeepAlive() && _head.keepAlive && !_stopping && (most <= 0 || _served < most));
	response.set("Date", httpDateNow());
	if (!params.getSoftwareVersion().empty()) response.set("Server", params.getSoftwareVersion());

	_dispatched = false;
	_bodyReceived = 0;
	_bodyLimit = static_cast<std::uint64_t>(std::max<std::streamsize>(plan.maxBodyBytes, 0));
	_buffered = plan.body == Body::Json || plan.body == Body::Bytes;
	_inline = plan.runs == Runs::Loop && plan.body != Body::Stream;
	_chunks.reset();
	_bodyLeft = 0;
	_bodyDone = false;
	if (_head.body == HttpHead::Body::Chunked)
		_chunks.emplace();
	else if (_head.body == HttpHead::Body::Length && _head.contentLength > 0)
		_bodyLeft = _head.contentLength;
	else
		_bodyDone = true;
	if (_bodyDone) _exchange->endBody();

	const bool declaredTooLarge = _buffered && _head.body == HttpHead::Body::Length && _head.contentLength > _bodyLimit;
	if (_bodyDone || declaredTooLarge || !_buffered)
	{
		// Refused by its length alone, the body is never read: the router
		// answers 413 at once (no 100 Continue first), and the connection
		// closes after it. A streamed body is read by its handler.
		if (declaredTooLarge)
		{
			_exchange->endBody();
			_bodyDone = true;
			_bodyLeft = 0;
			_chunks.reset();
		}
		else if (!_bodyDone && _head.expectContinue)
			sendContinue();
		runHandler();
		return _state != State::Closed;
	}
	// A buffered body comes in whole before the handler runs.
	if (_head.expectContinue) sendContinue();
	_state = State::Body;
	_bodyStarted = Poco::Timestamp();
	arm(_server.settings().headerTimeout, kBodyDue);
	return _state != State::Closed;
}

bool LoopConnection::counted() const
{
	// Not a signed request's: its signature is checked only later, by the
	// route, and a header alone would let anyone past the limit.
	const std::string_view target(_head.target);
	const std::string_view path = target.substr(0, target.find('?'));
	return path != "/health" && path != "/readyz";
}

bool LoopConnection::takeBody()
{
	if (_bodyDone || !_exchange) return true;
	bool room = true;
	if (_chunks)
	{
		std::string decoded;
		std::size_t used = 0;
		try
		{
			used = _chunks->decode(_in.view(), decoded);
		}
		catch (const MalformedHttp& exc)
		{
			if (!_dispatched)
			{
				_exchange.reset();
				refuse(exc.status(), exc.what());
			}
			else
				close(); // the handler reading it sees the connection go
			return false;
		}
		_in.consume(used);
		_bodyReceived += decoded.size();
		if (!decoded.empty()) room = _exchange->addBody(decoded.data(), decoded.size());
		_bodyDone = _chunks->done();
	}
	else
	{
		const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(_bodyLeft, _in.size()));
		if (n > 0) room = _exchange->addBody(_in.data(), n);
		_in.consume(n);
		_bodyLeft -= n;
		_bodyReceived += n;
		_bodyDone = _bodyLeft == 0;
	}
	if (!room) _readPaused = true;
	// Past a buffered route's limit there is no point reading on: the
	// handler refuses it (413) with what came, and the connection closes.
	if (_buffered && _bodyReceived > _bodyLimit) _bodyDone = true;
	if (_bodyDone)
	{
		_exchange->endBody();
		if (armed()) disarm();
		return true;
	}
	// The body's pace: the grace time, plus a second per
	// http.min_body_bytes_per_s bytes received so far.
	const int rate = _server.settings().minBodyBytesPerSecond;
	const Poco::Timestamp::TimeDiff allowed =
		_server.settings().headerTimeout.totalMicroseconds() +
		(rate > 0 ? static_cast<Poco::Timestamp::TimeDiff>(_bodyReceived) * 1000000 / rate : 0);
	arm(std::max<Poco::Timestamp::TimeDiff>(allowed - _bodyStarted.elapsed(), 1000), kBodyDue);
	return false;
}

void LoopConnection::runHandler()
{
	_state = State::Handling;
	_dispatched = true;
	if (_bodyDone && armed()) disarm();
	if (!_bodyDone) _bodyStarted = Poco::Timestamp();
	HttpRouter& router = _server.router();
	auto exchange = _exchange;
	if (_inline)
	{
		exchange->retainBody();
		if (serve(router, *exchange)) return;
		// The handler needs to block: again, from the start, on a worker.
		exchange->rewindBody();
	}
	const bool queued = _server.runOnWorker([exchange, &router] { serve(router, *exchange); });
	if (!queued)
	{
		_exchange.reset();
		refuse(503, "this node has http.max_queued requests waiting for a thread already; try again shortly");
	}
}

bool LoopConnection::serve(HttpRouter& router, LoopExchange& exchange)
{
	try
	{
		router.dispatch(exchange.request(), exchange.response());
	}
	catch (const MoveToWorker&)
	{
		// Thrown on a loop only (Request::moveToWorker() refuses elsewhere).
		return false;
	}
	catch (const std::exception&)
	{
		// The router answers what handlers throw; this is the connection
		// failing under it, which finish() reports.
	}
	try
	{
		exchange.finish();
	}
	catch (const std::exception&)
	{
		exchange.abort(); // the client is gone: nothing more to send
		exchange.finish();
	}
	return true;
}

void LoopConnection::sendContinue()
{
	_out.append(LoopExchange::kContinue);
	writeSocket();
}

void LoopConnection::outputReady(LoopExchange& exchange)
{
	if (_exchange.get() != &exchange || _state == State::Closed) return;
	// A late answer's bytes come just before its end: both are one answer,
	// which may be corked.
	if (exchange.finished()) return exchangeFinished(exchange);
	if (takeOutput(exchange)) writeSocket();
}

bool LoopConnection::takeOutput(LoopExchange& exchange)
{
	std::string bytes = exchange.takeOutput();
	if (bytes.empty()) return false;
	if (_outSent == _out.size())
	{
		_out.swap(bytes);
		_outSent = 0;
	}
	else
		_out.append(bytes);
	return true;
}

void LoopConnection::bodyWanted(LoopExchange& exchange)
{
	if (_exchange.get() != &exchange || _state == State::Closed) return;
	_readPaused = false;
	// Edge-triggered: what waits in the socket gave its edge already.
	if (!readSocket() && _state != State::Closed && !_bodyDone) close();
}

void LoopConnection::exchangeFinished(LoopExchange& exchange)
{
	if (_exchange.get() != &exchange || _state == State::Closed) return;
	takeOutput(exchange);
	if (!exchange.response().sent())
	{
		// A handler that sent nothing; the router always answers, so this is
		// a connection whose answer failed on the way.
		close();
		return;
	}
	if (!corkable(exchange))
	{
		writeSocket(); // which moves on to the next request once all is written
		return;
	}
	// The next request was read already (pipelined): this answer goes out
	// with the answers to those behind it, at the end of the turn.
	_finishedBytes = _out.size() - _outSent;
	finishRequest();
	if (_flushQueued || _state == State::Closed) return;
	_flushQueued = true;
	std::weak_ptr<LoopConnection> weak = shared_from_this();
	_loop.atTurnEnd([weak] {
		auto self = weak.lock();
		if (!self) return;
		self->_flushQueued = false;
		if (self->_state != State::Closed && self->_outSent < self->_out.size()) self->writeSocket();
	});
}

bool LoopConnection::corkable(LoopExchange& exchange) const
{
	return !_in.empty() && _state == State::Handling && _bodyDone && !_closeWhenWritten && !_stopping &&
	       _out.size() - _outSent < kMaxCorked && exchange.complete() && exchange.keepAlive();
}

void LoopConnection::finishRequest()
{
	const bool keep = _exchange->keepAlive() && _bodyDone && !_stopping && !(_buffered && _bodyReceived > _bodyLimit) &&
	                  !_closeWhenWritten;
	_exchange.reset();
	if (!keep)
	{
		closeAfterOutput();
		return;
	}
	_state = State::Head;
	_waitingSince = Poco::Timestamp().epochMicroseconds();
	// Unpaused, everything the socket held was read, and what comes now
	// raises its own edge; paused, the bytes left there raised theirs
	// already, so they are read now.
	const bool wasPaused = std::exchange(_readPaused, false);
	arm(_server.settings().keepAliveTimeout, kIdle);
	if ((wasPaused || _peerClosed) && !readSocket() && _state != State::Closed && _in.empty())
	{
		close();
		return;
	}
	advance(); // a pipelined request may be waiting
	if (_state != State::Closed) updateIdle();
}

void LoopConnection::writeSocket()
{
	while (_outSent < _out.size())
	{
		const ssize_t n = ::send(_fd, _out.data() + _outSent, _out.size() - _outSent, MSG_NOSIGNAL);
		if (n > 0)
		{
			_outSent += static_cast<std::size_t>(n);
			// What the window of the exchange in hand counts is its own output,
			// not the corked answers of those before it.
			const std::size_t earlier = std::min(static_cast<std::size_t>(n), _finishedBytes);
			_finishedBytes -= earlier;
			if (_exchange && static_cast<std::size_t>(n) > earlier) _exchange->written(static_cast<std::size_t>(n) - earlier);
			continue;
		}
		if (n < 0 && errno == EINTR) continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		{
			// EPOLLOUT's edge brings us back; a client that takes nothing for
			// http.timeout_ms is cut off.
			armWriteTimer();
			return;
		}
		close();
		return;
	}
	_out.clear();
	_outSent = 0;
	_finishedBytes = 0;
	if (_writeTimer != 0) _loop.cancel(_writeTimer);
	_writeTimer = 0;
	if (_closeWhenWritten && !_exchange)
	{
		closeAfterOutput();
		return;
	}
	if (_exchange && _state == State::Handling && _exchange->complete()) finishRequest();
}

void LoopConnection::refuse(int status, const std::string& sentence)
{
	if (status == 503)
		_server.countOverloaded();
	else if (status != 429) // counted by admitRequest()
		_server.countMalformed();
	auto body = json::object();
	body->set("error", sentence);
	body->set("status", status);
	const std::string text = json::stringify(body);
	const std::string reason = Poco::Net::HTTPResponse::getReasonForStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
	_out.append("HTTP/1.1 " + std::to_string(status) + " " + reason +
	            "\r\nContent-Type: application/json\r\nConnection: close\r\n" +
	            (status == 429 || status == 503 ? "Retry-After: 1\r\n" : "") + "Content-Length: " + std::to_string(text.size()) +
	            "\r\n\r\n" + text);
	_closeWhenWritten = true;
	_state = State::Handling; // nothing more is parsed,
	_bodyDone = true;         // and what still comes is held only up to the read-ahead bound
	writeSocket();
}

void LoopConnection::closeAfterOutput()
{
	if (_state == State::Closed) return;
	if (_outSent < _out.size())
	{
		_closeWhenWritten = true;
		return;
	}
	::shutdown(_fd, SHUT_WR);
	_state = State::Draining;
	_in.clear();
	_readPaused = false;
	arm(kLingerTime, kLinger);
	readSocket();
}

void LoopConnection::close()
{
	if (_state == State::Closed) return;
	_state = State::Closed;
	if (std::exchange(_headInProgress, false)) _server.endHead(_address);
	if (_countedIdle) _server.idleChanged(-1);
	_countedIdle = false;
	disarm();
	if (_timer != 0) _loop.cancel(_timer);
	_timer = 0;
	if (_writeTimer != 0) _loop.cancel(_writeTimer);
	_writeTimer = 0;
	if (_exchange) _exchange->abort();
	_exchange.reset();
	_loop.unwatch(_fd);
	::close(_fd);
	const int fd = _fd;
	_fd = -1;
	_server.closed(_loop, fd); // may drop the last reference but the caller's
}

void LoopConnection::arm(Poco::Timespan after, const char* why)
{
	_deadline = (Poco::Timestamp() + after.totalMicroseconds()).epochMicroseconds();
	_timerWhy = why;
	if (_timer != 0 && _timerDue <= _deadline) return; // it comes first, and sets itself again
	if (_timer != 0) _loop.cancel(_timer);
	scheduleTimer(_deadline);
}

void LoopConnection::scheduleTimer(Poco::Timestamp::TimeVal due)
{
	std::weak_ptr<LoopConnection> weak = shared_from_this();
	_timerDue = due;
	_timer = _loop.after(std::max<Poco::Timestamp::TimeDiff>(due - Poco::Timestamp().epochMicroseconds(), 0), [weak] {
		if (auto self = weak.lock()) self->timerDue();
	});
}

void LoopConnection::timerDue()
{
	_timer = 0;
	if (_deadline == 0) return; // disarmed meanwhile
	if (Poco::Timestamp().epochMicroseconds() < _deadline) return scheduleTimer(_deadline); // moved later meanwhile
	_deadline = 0;
	expired(_timerWhy);
}

void LoopConnection::armWriteTimer()
{
	if (_writeTimer != 0) _loop.cancel(_writeTimer);
	std::weak_ptr<LoopConnection> weak = shared_from_this();
	_writeTimer = _loop.after(_server.params()->getTimeout(), [weak] {
		if (auto self = weak.lock())
		{
			self->_writeTimer = 0;
			self->expired("write");
		}
	});
}

void LoopConnection::disarm()
{
	_deadline = 0; // the pending timer, if any, finds nothing due
}

void LoopConnection::expired(const char* why)
{
	if (why == kIdle || (why == kHeadDue && waitingForRequest()))
		_server.countIdleClosed();
	else if (why != kLinger)
		_server.countCutOff();
	close();
}

} // namespace p2p
