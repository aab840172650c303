#ifndef P2P_LoopConnection_INCLUDED
#define P2P_LoopConnection_INCLUDED

#include "event/EventLoop.h"
#include "http/HttpHead.h"
#include "http/LoopExchange.h"
#include "http/ReadBuffer.h"
#include <Poco/Net/SocketAddress.h>
#include <memory>
#include <optional>
#include <string>

namespace p2p {

class HttpRouter;
class LoopHttpServer;

/// One client connection on an event loop, from accept to close: reads and
/// checks each request head (HttpHeadParser), takes a buffered route's
/// body whole before its handler runs (so a slow client holds no thread),
/// runs the handler through a LoopExchange (on the loop, or on a worker),
/// writes the answer as the socket takes it, and serves the next request
/// on a kept-alive connection. Every wait has a deadline on the loop's
/// timers: the head (http.header_timeout_ms), the idle time between
/// requests (http.keep_alive_timeout_ms), the body (that grace plus a
/// second per http.min_body_bytes_per_s), a client that reads nothing of
/// its answer (http.timeout_ms). A connection closed with bytes still
/// coming is shut for writing and drained for a moment first, so the
/// client reads the answer instead of a reset.
///
/// Lives on its loop's thread: created, driven and closed there; the
/// server holds it, an exchange only a weak reference.
class LoopConnection: public ExchangeOwner, public std::enable_shared_from_this<LoopConnection>
{
public:
	/// address: the client's address as the server counts it (its bytes).
	LoopConnection(LoopHttpServer& server, EventLoop& loop, int fd, Poco::Net::SocketAddress client,
	               Poco::Net::SocketAddress local, std::string address);
	~LoopConnection() override;

	void start();
	/// Closes once the request in hand (if any) is answered; at once when
	/// abort, which also fails the handler's next read or write.
	void stop(bool abort);
	int fd() const { return _fd; }
	const std::string& address() const { return _address; }
	/// Waiting for a request head (between requests, or with part of one):
	/// what a full server may close for a new connection. Since when, in
	/// epoch µs; 0 when it is not waiting.
	Poco::Timestamp::TimeVal waitingSince() const { return _state == State::Head && !_exchange ? _waitingSince : 0; }

	void outputReady(LoopExchange& exchange) override;
	void bodyWanted(LoopExchange& exchange) override;
	void exchangeFinished(LoopExchange& exchange) override;

private:
	enum class State
	{
		Head,     ///< waiting for a request head
		Body,     ///< reading a buffered route's body before its handler runs
		Handling, ///< the handler runs (a streamed body may still come in)
		Draining, ///< shut for writing: reading what the client still sends, then closing
		Closed
	};

	void onEvents(std::uint32_t events);
	void handle(std::uint32_t events);
	/// Tells the server whether the connection waits for its next request.
	void updateIdle();
	/// Reads what the socket has (unless paused); false when it closed or failed.
	bool readSocket();
	/// Moves the state machine on with the bytes read.
	void advance();
	bool startRequest();
	/// Whether the request just parsed counts toward its address's rate:
	/// health checks do not.
	bool counted() const;
	/// Passes body bytes from the read buffer to the exchange; whether the
	/// body is complete.
	bool takeBody();
	void runHandler();
	/// Runs the handler and finishes the exchange; false, with nothing
	/// finished, when a handler on the loop moved itself to a worker.
	static bool serve(HttpRouter& router, LoopExchange& exchange);
	void sendContinue();
	/// Moves the exchange's answer bytes to the socket's queue; whether there were any.
	bool takeOutput(LoopExchange& exchange);
	/// Between requests, with nothing of the next one read.
	bool waitingForRequest() const;
	/// Whether the finished exchange's answer may wait for the answers to
	/// the pipelined requests behind it (all of it is in hand, and the
	/// connection goes on after it).
	bool corkable(LoopExchange& exchange) const;
	void finishRequest();
	void writeSocket();
	void watchFor(bool writable);
	/// A protocol error before any handler: a short JSON answer, then close.
	void refuse(int status, const std::string& sentence);
	void closeAfterOutput();
	void close();
	void arm(Poco::Timespan after, const char* why);
	void disarm();
	bool armed() const { return _deadline != 0; }
	void scheduleTimer(Poco::Timestamp::TimeVal due);
	/// The loop timer: the deadline, if it has come; otherwise the timer again.
	void timerDue();
	void armWriteTimer();
	void expired(const char* why);

	LoopHttpServer& _server;
	EventLoop& _loop;
	int _fd;
	const Poco::Net::SocketAddress _client;
	const Poco::Net::SocketAddress _local;
	const std::string _address; ///< the client's address bytes, what per-address limits count by
	State _state = State::Head;
	Poco::Timestamp::TimeVal _waitingSince = Poco::Timestamp().epochMicroseconds();
	HttpHeadParser _parser;
	ReadBuffer _in;           ///< read, not yet parsed or passed on
	std::string _out;         ///< for the socket
	std::size_t _outSent = 0; ///< bytes of _out already written
	bool _watchingWrites = false;
	bool _flushQueued = false; ///< corked answers are written at the turn's end
	std::size_t _finishedBytes = 0; ///< of the unsent output, the corked answers'
	bool _readPaused = false;  ///< the exchange's body window is full
	bool _peerClosed = false;  ///< EPOLLRDHUP seen: read to the end, not just to a short read
	bool _closeWhenWritten = false;
	bool _stopping = false;
	bool _countedIdle = false;
	bool _headInProgress = false; ///< counted by the server as an unfinished head of _address
	int _served = 0;

	// The request in hand.
	HttpHead _head;
	std::shared_ptr<LoopExchange> _exchange;
	bool _inline = false;
	bool _dispatched = false;
	bool _bodyDone = false;
	std::uint64_t _bodyLeft = 0; ///< of a Content-Length body
	std::optional<ChunkedDecoder> _chunks;
	std::uint64_t _bodyReceived = 0;
	std::uint64_t _bodyLimit = 0; ///< a buffered route's: beyond it the handler runs and refuses (413)
	bool _buffered = false;
	Poco::Timestamp _bodyStarted;

	/// The read side's deadline (head, idle, body, linger) in epoch µs; 0:
	/// none. Kept apart from the loop timer that enforces it, which is set
	/// again only when the deadline comes before it: a deadline that moves
	/// later with every request of a kept-alive connection costs no timer
	/// operations, where cancelling and adding one per request did.
	Poco::Timestamp::TimeVal _deadline = 0;
	const char* _timerWhy = nullptr;
	EventLoop::TimerId _timer = 0;      ///< pending, due at _timerDue
	Poco::Timestamp::TimeVal _timerDue = 0;
	EventLoop::TimerId _writeTimer = 0; ///< armed while the client does not take the answer
	std::size_t _drained = 0;
};

} // namespace p2p

#endif
