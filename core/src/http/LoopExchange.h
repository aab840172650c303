#ifndef P2P_LoopExchange_INCLUDED
#define P2P_LoopExchange_INCLUDED

#include "http/AnswerLaterImpl.h"
#include "http/HttpHead.h"
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <condition_variable>
#include <istream>
#include <memory>
#include <mutex>
#include <ostream>
#include <streambuf>

namespace p2p {

class EventLoop;

class LoopExchange;

/// What an exchange tells the connection it belongs to. Called on the
/// connection's loop only (the exchange posts there), naming the exchange:
/// a connection that has moved on to its next request ignores the last
/// one's late news.
class ExchangeOwner
{
public:
	virtual ~ExchangeOwner();
	/// Bytes of the answer wait in the exchange: takeOutput() them.
	virtual void outputReady(LoopExchange& exchange) = 0;
	/// The handler took the body in the window: read more from the socket.
	virtual void bodyWanted(LoopExchange& exchange) = 0;
	/// The handler has returned; the answer is complete.
	virtual void exchangeFinished(LoopExchange& exchange) = 0;
};

/// One request and its answer on an event-loop connection, as the router
/// and the handlers see them (POCO's server request and response), wherever
/// the handler runs: on the loop itself, or on a worker while the loop goes
/// on reading the body in and writing the answer out. Loop and worker meet
/// here only, under one mutex:
///  - the body: the loop adds what arrives (and stops reading beyond
///    kBodyWindow); the handler's stream takes it, waiting at most the read
///    timeout for more;
///  - the answer: the handler's stream frames what it writes (chunked when
///    it set no length) and the loop takes it to the socket; a worker waits
///    while more than kOutputWindow bytes are unwritten;
///  - the end: finish() after the handler; abort() (the client went, the
///    node stops) ends the body early and fails the answer's stream
///    (badbit, as a stream to a closed socket would), so the handler stops
///    without anybody logging a client's leaving as an error.
class LoopExchange: public std::enable_shared_from_this<LoopExchange>
{
public:
	static constexpr std::size_t kBodyWindow = 256 * 1024;
	/// The interim answer that tells a client waiting with Expect to send its body.
	static constexpr const char* kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
	static constexpr std::size_t kOutputWindow = 1024 * 1024;

	struct Context
	{
		EventLoop& loop;
		std::weak_ptr<ExchangeOwner> owner;
		Poco::Net::SocketAddress client;
		Poco::Net::SocketAddress server;
		Poco::Net::HTTPServerParams::Ptr params;
	};

	LoopExchange(Context context, const HttpHead& head);
	~LoopExchange();

	Poco::Net::HTTPServerRequest& request() { return _request; }
	Poco::Net::HTTPServerResponse& response() { return _response; }

	// The loop's side.
	/// Body bytes that arrived; whether the window has room for more.
	bool addBody(const char* data, std::size_t size);
	void endBody();
	/// Moves what the answer has ready to the socket's queue; returns it.
	std::string takeOutput();
	/// n bytes of what takeOutput() gave reached the socket.
	void written(std::size_t n);
	void abort();
	/// For a handler on the loop that may move to a worker: its body is
	/// kept as it is read, so that rewindBody() can give it again.
	void retainBody();
	void rewindBody();

	// The handler's side.
	/// After the handler returned: flushes, ends a chunked answer, and tells
	/// the connection.
	void finish();
	/// Whether the handler has finished its answer and the connection has
	/// taken all of it.
	bool complete() const;
	/// Whether the answer is whole (the handler, or its late answer, is
	/// done), what of it is still to be taken included.
	bool finished() const;
	/// Whether the connection may carry another request after this one.
	bool keepAlive() const;

private:
	class BodyBuffer: public std::streambuf
	{
	public:
		explicit BodyBuffer(LoopExchange& exchange): _exchange(exchange) {}

		void reset() { setg(nullptr, nullptr, nullptr); }

	protected:
		int_type underflow() override;

	private:
		LoopExchange& _exchange;
		char _chunk[16 * 1024];
	};

	class OutputBuffer: public std::streambuf
	{
	public:
		explicit OutputBuffer(LoopExchange& exchange);

	protected:
		int_type overflow(int_type c) override;
		int sync() override;
		std::streamsize xsputn(const char* data, std::streamsize size) override;

	private:
		LoopExchange& _exchange;
		char _chunk[16 * 1024];
	};

	class Request: public Poco::Net::HTTPServerRequest
	{
	public:
		Request(LoopExchange& exchange, const HttpHead& head);
		std::istream& stream() override { return _body; }
		void rewind()
		{
			_buffer.reset();
			_body.clear();
		}
		const Poco::Net::SocketAddress& clientAddress() const override { return _exchange._context.client; }
		const Poco::Net::SocketAddress& serverAddress() const override { return _exchange._context.server; }
		const Poco::Net::HTTPServerParams& serverParams() const override { return *_exchange._context.params; }
		Poco::Net::HTTPServerResponse& response() const override { return _exchange._response; }
		bool secure() const override { return false; }

	private:
		LoopExchange& _exchange;
		BodyBuffer _buffer;
		std::istream _body;
	};

	class Response: public Poco::Net::HTTPServerResponse, public AnswersLater
	{
	public:
		explicit Response(LoopExchange& exchange);
		std::shared_ptr<AnswerLater::Impl> later() override;
		bool deferred() const override;
		void whenAnswered(std::function<void()> done) override;
		void sendContinue() override;
		std::ostream& send() override;
		void sendFile(const std::string& path, const std::string& mediaType) override;
		void sendBuffer(const void* buffer, std::size_t length) override;
		void redirect(const std::string& uri, HTTPStatus status = HTTP_FOUND) override;
		void requireAuthentication(const std::string& realm) override;
		bool sent() const override { return _sent; }

	private:
		LoopExchange& _exchange;
		OutputBuffer _buffer;
		std::ostream _out;
		bool _sent = false;
	};

	class Later;

	/// Writes the answer's head and decides how its body is framed.
	void sendHead();
	/// The late answer, on the loop.
	void answerLate(const std::string& body, const std::string& contentType, int status, const AnswerLater::Headers& headers);
	/// One of the two ends of a deferred exchange (the handler's return, the
	/// late answer); the second finishes it.
	void partDone();
	/// Body bytes from the handler's stream: framed, queued, posted.
	bool emit(const char* data, std::size_t size);
	/// False once aborted, or when the client takes nothing for http.timeout_ms.
	bool queue(std::string bytes);
	void post(void (ExchangeOwner::*what)(LoopExchange&));
	bool waitForRoom(std::unique_lock<std::mutex>& lock);

	Context _context;
	const bool _headRequest;
	const bool _clientKeepsAlive;
	Request _request;
	Response _response;

	mutable std::mutex _mutex;
	std::condition_variable _changed;
	std::string _body;           ///< body bytes not yet taken by the handler (from _bodyOffset)
	std::size_t _bodyOffset = 0;
	bool _retainBody = false;
	bool _bodyEnded = false;
	bool _bodyPaused = false;    ///< the loop stopped reading: the window is full
	std::string _output;         ///< framed bytes for the socket
	std::size_t _unwritten = 0;  ///< bytes queued and not yet on the socket
	bool _outputPosted = false;
	bool _aborted = false;
	bool _chunked = false;       ///< the body goes in chunks: no length was set
	bool _noBody = false;        ///< HEAD, 1xx, 204, 304: what the handler writes is dropped
	bool _closeAfter = false;    ///< no length and no chunks: the body ends with the connection
	bool _finished = false;
	bool _deferred = false;      ///< the handler asked to answer later
	int _partsLeft = 2;          ///< of a deferred exchange: the handler's return and the answer
	bool _answeredLate = false;
	std::function<void()> _whenAnswered;
};

} // namespace p2p

#endif
