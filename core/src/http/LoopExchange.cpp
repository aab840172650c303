#include "http/LoopExchange.h"
#include "event/EventLoop.h"
#include "p2p/Json.h"
#include "routing/ErrorMapper.h"
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/StreamCopier.h>
#include <cstring>

namespace p2p {

namespace {

/// The bytes of a chunk of a chunked body: size, CRLF, data, CRLF.
void appendChunk(std::string& out, const char* data, std::size_t size)
{
	char hex[24];
	const int n = std::snprintf(hex, sizeof(hex), "%zx\r\n", size);
	out.append(hex, static_cast<std::size_t>(n));
	out.append(data, size);
	out.append("\r\n", 2);
}

} // namespace

ExchangeOwner::~ExchangeOwner() = default;

LoopExchange::LoopExchange(Context context, const HttpHead& head):
	_context(std::move(context)),
	_headRequest(head.method == "HEAD"),
	_clientKeepsAlive(head.keepAlive),
	_request(*this, head),
	_response(*this)
{
	_response.setVersion(head.minorVersion == 0 ? Poco::Net::HTTPMessage::HTTP_1_0 : Poco::Net::HTTPMessage::HTTP_1_1);
}

LoopExchange::~LoopExchange() = default;

// The loop's side.

bool LoopExchange::addBody(const char* data, std::size_t size)
{
	std::lock_guard<std::mutex> lock(_mutex);
	_body.append(data, size);
	_changed.notify_all();
	_bodyPaused = _body.size() >= kBodyWindow;
	return !_bodyPaused;
}

void LoopExchange::endBody()
{
	std::lock_guard<std::mutex> lock(_mutex);
	_bodyEnded = true;
	_changed.notify_all();
}

std::string LoopExchange::takeOutput()
{
	std::lock_guard<std::mutex> lock(_mutex);
	_outputPosted = false;
	std::string out;
	out.swap(_output);
	return out;
}

void LoopExchange::written(std::size_t n)
{
	std::lock_guard<std::mutex> lock(_mutex);
	_unwritten -= std::min(n, _unwritten);
	if (_unwritten <= kOutputWindow / 4) _changed.notify_all();
}

void LoopExchange::abort()
{
	std::lock_guard<std::mutex> lock(_mutex);
	_aborted = true;
	_changed.notify_all();
}

void LoopExchange::retainBody()
{
	std::lock_guard<std::mutex> lock(_mutex);
	_retainBody = true;
}

void LoopExchange::rewindBody()
{
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_bodyOffset = 0;
		_retainBody = false;
	}
	_request.rewind();
}

bool LoopExchange::complete() const
{
	std::lock_guard<std::mutex> lock(_mutex);
	return _finished && _response.sent() && _output.empty();
}

bool LoopExchange::finished() const
{
	std::lock_guard<std::mutex> lock(_mutex);
	return _finished;
}

bool LoopExchange::keepAlive() const
{
	std::lock_guard<std::mutex> lock(_mutex);
	return _clientKeepsAlive && !_closeAfter && _response.getKeepAlive() && _context.params->getKeepAlive();
}

void LoopExchange::post(void (ExchangeOwner::*what)(LoopExchange&))
{
	_context.loop.post([owner = _context.owner, self = shared_from_this(), what] {
		if (auto connection = owner.lock()) ((*connection).*what)(*self);
	});
}

// The handler's side.

/// The answering side of a deferred exchange: any thread may answer; the
/// answer is written on the exchange's loop.
class LoopExchange::Later: public AnswerLater::Impl
{
public:
	explicit Later(std::shared_ptr<LoopExchange> exchange): _exchange(std::move(exchange)) {}

	EventLoop& loop() override { return _exchange->_context.loop; }

	void send(const std::string& body, const std::string& contentType, int status, const AnswerLater::Headers& headers) override
	{
		// On the loop (a relayed answer, mostly): at once, nothing copied.
		if (loop().inLoopThread())
		{
			const auto exchange = _exchange; // held while it answers, whatever that answer lets go of
			return exchange->answerLate(body, contentType, status, headers);
		}
		loop().post([exchange = _exchange, body, contentType, status, headers] {
			exchange->answerLate(body, contentType, status, headers);
		});
	}

	void fail(const Poco::Exception& exc) override
	{
		const std::string requestId = _exchange->_response.get("X-Request-Id", "");
		const auto [status, sentence] = ErrorMapper::forClient(
			exc, requestId, _exchange->_request.getMethod() + " " + _exchange->_request.getURI());
		auto body = json::object();
		body->set("error", sentence);
		body->set("status", status);
		body->set("request_id", requestId);
		send(json::stringify(body), "application/json", status, {});
	}

private:
	std::shared_ptr<LoopExchange> _exchange;
};

std::shared_ptr<AnswerLater::Impl> LoopExchange::Response::later()
{
	std::lock_guard<std::mutex> lock(_exchange._mutex);
	_exchange._deferred = true;
	return std::make_shared<Later>(_exchange.shared_from_this());
}

bool LoopExchange::Response::deferred() const
{
	std::lock_guard<std::mutex> lock(_exchange._mutex);
	return _exchange._deferred;
}

void LoopExchange::Response::whenAnswered(std::function<void()> done)
{
	std::unique_lock<std::mutex> lock(_exchange._mutex);
	if (!_exchange._answeredLate)
	{
		_exchange._whenAnswered = std::move(done);
		return;
	}
	lock.unlock();
	done(); // answered before the router asked
}

void LoopExchange::answerLate(const std::string& body, const std::string& contentType, int status,
                              const AnswerLater::Headers& headers)
{
	// On the loop. The first answer wins; the handler no longer touches the
	// response, so the loop may write it.
	{
		std::lock_guard<std::mutex> lock(_mutex);
		if (_answeredLate) return;
		_answeredLate = true;
	}
	if (!_response.sent())
	{
		_response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
		_response.setContentType(contentType);
		_response.setContentLength(static_cast<std::streamsize>(body.size()));
		for (const auto& [name, value] : headers) _response.set(name, value);
		_response.send().write(body.data(), static_cast<std::streamsize>(body.size()));
		_response.send().flush();
	}
	std::function<void()> answered;
	{
		std::lock_guard<std::mutex> lock(_mutex);
		answered.swap(_whenAnswered);
	}
	if (answered) answered();
	partDone();
}

void LoopExchange::partDone()
{
	{
		std::lock_guard<std::mutex> lock(_mutex);
		if (--_partsLeft > 0) return;
		_finished = true;
	}
	post(&ExchangeOwner::exchangeFinished);
}

void LoopExchange::finish()
{
	{
		std::lock_guard<std::mutex> lock(_mutex);
		if (_deferred)
		{
			// The handler has returned; the late answer finishes the exchange,
			// or has already.
			if (--_partsLeft > 0) return;
			_finished = true;
			post(&ExchangeOwner::exchangeFinished);
			return;
		}
	}
	if (!_response.sent()) return post(&ExchangeOwner::exchangeFinished); // the connection answers 500
	_response.send().flush();
	{
		std::lock_guard<std::mutex> lock(_mutex);
		if (_chunked && !_noBody && !_aborted) _output.append("0\r\n\r\n");
		_finished = true;
	}
	post(&ExchangeOwner::exchangeFinished);
}

void LoopExchange::sendHead()
{
	const int status = static_cast<int>(_response.getStatus());
	_noBody = _headRequest || status / 100 == 1 || status == 204 || status == 304;
	if (!_response.hasContentLength() && !_noBody)
	{
		if (_response.getVersion() == Poco::Net::HTTPMessage::HTTP_1_1)
		{
			_chunked = true;
			_response.setChunkedTransferEncoding(true);
		}
		else
		{
			_closeAfter = true;
			_response.setKeepAlive(false);
		}
	}
	if (!keepAlive()) _response.setKeepAlive(false);
	std::string head = _response.getVersion() + " " + std::to_string(status) + " " + _response.getReason() + "\r\n";
	for (const auto& [name, value] : _response) head.append(name).append(": ").append(value).append("\r\n");
	head.append("\r\n");
	queue(std::move(head));
}

bool LoopExchange::emit(const char* data, std::size_t size)
{
	if (size == 0 || _noBody) return true;
	std::string framed;
	if (_chunked)
		appendChunk(framed, data, size);
	else
		framed.assign(data, size);
	return queue(std::move(framed));
}

bool LoopExchange::queue(std::string bytes)
{
	std::unique_lock<std::mutex> lock(_mutex);
	if (_aborted) return false;
	_unwritten += bytes.size();
	_output.append(bytes);
	if (!_outputPosted)
	{
		_outputPosted = true;
		post(&ExchangeOwner::outputReady);
	}
	return waitForRoom(lock);
}

bool LoopExchange::waitForRoom(std::unique_lock<std::mutex>& lock)
{
	// On the loop itself nothing can drain while we wait: an inline handler
	// answers from memory, and its answer is simply queued.
	if (_context.loop.inLoopThread()) return true;
	const auto timeout = std::chrono::microseconds(_context.params->getTimeout().totalMicroseconds());
	// A client that takes nothing for that long is cut off by the loop.
	return _changed.wait_for(lock, timeout, [this] { return _aborted || _unwritten <= kOutputWindow; }) && !_aborted;
}

LoopExchange::BodyBuffer::int_type LoopExchange::BodyBuffer::underflow()
{
	LoopExchange& x = _exchange;
	std::unique_lock<std::mutex> lock(x._mutex);
	const auto timeout = std::chrono::microseconds(x._context.params->getTimeout().totalMicroseconds());
	const auto available = [&x] { return x._body.size() - x._bodyOffset; };
	if (!x._changed.wait_for(lock, timeout, [&] { return x._aborted || available() > 0 || x._bodyEnded; }))
		throw Poco::TimeoutException("the client sent no more of the body in time");
	// Gone, the client sent its last byte: the handler sees a short body.
	if (x._aborted || available() == 0) return traits_type::eof();
	const std::size_t n = std::min(available(), sizeof(_chunk));
	std::memcpy(_chunk, x._body.data() + x._bodyOffset, n);
	x._bodyOffset += n;
	if (!x._retainBody)
	{
		x._body.erase(0, x._bodyOffset);
		x._bodyOffset = 0;
	}
	if (x._bodyPaused && available() < kBodyWindow / 2)
	{
		x._bodyPaused = false;
		x.post(&ExchangeOwner::bodyWanted);
	}
	setg(_chunk, _chunk, _chunk + n);
	return traits_type::to_int_type(*gptr());
}

LoopExchange::OutputBuffer::OutputBuffer(LoopExchange& exchange): _exchange(exchange)
{
	setp(_chunk, _chunk + sizeof(_chunk));
}

LoopExchange::OutputBuffer::int_type LoopExchange::OutputBuffer::overflow(int_type c)
{
	if (sync() != 0) return traits_type::eof();
	if (!traits_type::eq_int_type(c, traits_type::eof()))
	{
		*pptr() = traits_type::to_char_type(c);
		pbump(1);
	}
	return traits_type::not_eof(c);
}

int LoopExchange::OutputBuffer::sync()
{
	const std::size_t n = static_cast<std::size_t>(pptr() - pbase());
	setp(_chunk, _chunk + sizeof(_chunk));
	return _exchange.emit(_chunk, n) ? 0 : -1;
}

std::streamsize LoopExchange::OutputBuffer::xsputn(const char* data, std::streamsize size)
{
	// A large write goes out as it is, without a copy through the chunk.
	if (size < static_cast<std::streamsize>(sizeof(_chunk)) / 2) return std::streambuf::xsputn(data, size);
	if (sync() != 0 || !_exchange.emit(data, static_cast<std::size_t>(size))) return 0;
	return size;
}

LoopExchange::Request::Request(LoopExchange& exchange, const HttpHead& head):
	_exchange(exchange),
	_buffer(exchange),
	_body(&_buffer)
{
	setMethod(head.method);
	setURI(head.target);
	setVersion(head.minorVersion == 0 ? HTTP_1_0 : HTTP_1_1);
	for (const auto& [name, value] : head.fields) add(name, value);
}

LoopExchange::Response::Response(LoopExchange& exchange): _exchange(exchange), _buffer(exchange), _out(&_buffer)
{
}

void LoopExchange::Response::sendContinue()
{
	_exchange.queue(kContinue);
}

std::ostream& LoopExchange::Response::send()
{
	if (!_sent)
	{
		_sent = true;
		_exchange.sendHead();
	}
	return _out;
}

void LoopExchange::Response::sendFile(const std::string& path, const std::string& mediaType)
{
	Poco::File file(path);
	setContentLength64(static_cast<Poco::Int64>(file.getSize()));
	setContentType(mediaType);
	set("Last-Modified", Poco::DateTimeFormatter::format(file.getLastModified(), Poco::DateTimeFormat::HTTP_FORMAT));
	Poco::FileInputStream in(path);
	std::ostream& out = send();
	Poco::StreamCopier::copyStream(in, out);
}

void LoopExchange::Response::sendBuffer(const void* buffer, std::size_t length)
{
	setContentLength(static_cast<std::streamsize>(length));
	send().write(static_cast<const char*>(buffer), static_cast<std::streamsize>(length));
}

void LoopExchange::Response::redirect(const std::string& uri, HTTPStatus status)
{
	setContentLength(0);
	setStatusAndReason(status);
	set("Location", uri);
	send();
}

void LoopExchange::Response::requireAuthentication(const std::string& realm)
{
	setStatusAndReason(HTTP_UNAUTHORIZED);
	set("WWW-Authenticate", "Basic realm=\"" + realm + "\"");
	setContentLength(0);
	send();
}

} // namespace p2p
