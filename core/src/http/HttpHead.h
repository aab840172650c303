#ifndef P2P_HttpHead_INCLUDED
#define P2P_HttpHead_INCLUDED

#include "p2p/Export.h"
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace p2p {

/// The head of one HTTP/1.x message, a request's or a response's, as
/// HttpHeadParser read it, with the framing of its body already decided.
struct P2P_API HttpHead
{
	enum class Body
	{
		None,      ///< no body (a request without Content-Length, a 204, a HEAD's answer)
		Length,    ///< contentLength bytes
		Chunked,   ///< Transfer-Encoding: chunked
		UntilClose ///< a response without length: the body ends when the connection does
	};

	std::string method; ///< a request's
	std::string target; ///< a request's target, as sent
	int status = 0;     ///< a response's
	std::string reason; ///< a response's
	int minorVersion = 1; ///< HTTP/1.minorVersion
	std::vector<std::pair<std::string, std::string>> fields; ///< names as sent, values without surrounding whitespace

	Body body = Body::None;
	std::uint64_t contentLength = 0;
	bool keepAlive = true;
	bool expectContinue = false;

	/// The first field of that name (any case), or nullptr.
	const std::string* find(std::string_view name) const;
};

/// A message head that is not HTTP/1.x as RFC 9112 writes it, with the
/// status a server answers it with: 400 (malformed, ambiguous framing),
/// 414 (target too long), 431 (head too large), 501 (a transfer coding
/// other than chunked), 505 (an HTTP version other than 1.0 and 1.1).
class P2P_API MalformedHttp: public std::runtime_error
{
public:
	MalformedHttp(int status, const std::string& why): std::runtime_error(why), _status(status) {}
	int status() const { return _status; }

private:
	int _status;
};

/// A strict reader of HTTP/1.x message heads. Strict where leniency lets
/// two parsers disagree about where a message ends (request smuggling):
/// bare LF, obs-fold, whitespace before a colon, control characters in a
/// field, a Content-Length that is not one number, Content-Length beside
/// Transfer-Encoding, a coding other than chunked are all refused. A
/// request needs one Host under HTTP/1.1. Responses, which come from other
/// nodes, are read by the same rules.
///
/// Fed the bytes read so far, each time more arrive; it remembers how far
/// it looked, so a head trickling in byte by byte costs linear time. One
/// parser per connection, reset() between messages.
class P2P_API HttpHeadParser
{
public:
	enum class Kind
	{
		Request,
		Response
	};

	struct Limits
	{
		std::size_t maxHeadBytes = 16 * 1024;  ///< request line or status line and fields: 431 beyond
		std::size_t maxTargetBytes = 8 * 1024; ///< a request's target: 414 beyond
		std::size_t maxFields = 100;           ///< 431 beyond
	};

	HttpHeadParser(Kind kind, Limits limits);

	/// Reads a head from the start of data, the bytes received so far (the
	/// same bytes again, and more, on the next call). Returns the head's
	/// length, blank line included, once it is complete and fills head;
	/// 0 while more is needed. Throws MalformedHttp. headRequest: for a
	/// response, whether it answers HEAD (no body, whatever it declares).
	std::size_t parse(std::string_view data, HttpHead& head, bool headRequest = false);
	/// For the next message on the connection.
	void reset() { _scanned = 0; }

private:
	void parseStartLine(std::string_view line, HttpHead& head) const;
	void decideFraming(HttpHead& head, bool headRequest) const;

	const Kind _kind;
	const Limits _limits;
	std::size_t _scanned = 0; ///< bytes already known to hold no end of head
};

/// Decodes a chunked body (RFC 9112 section 7.1) as its bytes arrive.
/// Chunk extensions are skipped and trailers read and dropped, both within
/// bounds.
class P2P_API ChunkedDecoder
{
public:
	/// Appends to `out` the body bytes in data and returns how many bytes of
	/// data it used: all of them, or fewer once the body has ended (what
	/// follows is the next message). Throws MalformedHttp (400).
	std::size_t decode(std::string_view data, std::string& out);
	bool done() const { return _state == State::Done; }
	/// Body bytes decoded so far.
	std::uint64_t decoded() const { return _decoded; }

private:
	enum class State
	{
		Size,
		Data,
		DataEnd,
		Trailer,
		Done
	};

	/// Adds to _line up to its LF; true once the line is whole (CRLF checked).
	bool takeLine(std::string_view data, std::size_t& used, std::size_t limit);
	void parseSize();

	State _state = State::Size;
	std::uint64_t _left = 0; ///< bytes of the current chunk still to come
	std::uint64_t _decoded = 0;
	std::string _line;
	std::size_t _trailerBytes = 0;
};

} // namespace p2p

#endif
