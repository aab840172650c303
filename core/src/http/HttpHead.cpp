#include "http/HttpHead.h"
#include <Poco/String.h>
#include <algorithm>

namespace p2p {

namespace {

/// RFC 9110 section 5.6.2: the characters of a token (method, field name).
bool isTokenChar(unsigned char c)
{
	static const std::string_view kSpecials = "!#$%&'*+-.^_`|~";
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       kSpecials.find(static_cast<char>(c)) != std::string_view::npos;
}

bool isToken(std::string_view text)
{
	return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return isTokenChar(static_cast<unsigned char>(c)); });
}

/// A field value's characters: visible ASCII, obs-text, space and tab; no
/// NUL, CR, LF or other controls.
bool isFieldValueChar(unsigned char c)
{
	return c == '\t' || c == ' ' || (c >= 0x21 && c != 0x7f);
}

std::string_view trimmed(std::string_view text)
{
	const auto first = text.find_first_not_of(" \t");
	if (first == std::string_view::npos) return {};
	return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

bool equalsIgnoringCase(std::string_view a, std::string_view b)
{
	return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
		       return Poco::Ascii::toLower(x) == Poco::Ascii::toLower(y);
	       });
}

/// Calls each with the trimmed, non-empty elements of a comma-separated list.
template <typename Each>
void forEachListElement(std::string_view list, Each each)
{
	while (!list.empty())
	{
		const auto comma = list.find(',');
		const std::string_view element = trimmed(list.substr(0, comma));
		if (!element.empty()) each(element);
		if (comma == std::string_view::npos) break;
		list.remove_prefix(comma + 1);
	}
}

/// "HTTP/1.0" or "HTTP/1.1": the minor version; throws for anything else.
int parseVersion(std::string_view text)
{
	const bool wellFormed = text.size() == 8 && text.substr(0, 5) == "HTTP/" && Poco::Ascii::isDigit(text[5]) &&
	                        text[6] == '.' && Poco::Ascii::isDigit(text[7]);
	if (!wellFormed) throw MalformedHttp(400, "the version is not HTTP/<digit>.<digit>");
	if (text[5] != '1' || (text[7] != '0' && text[7] != '1'))
		throw MalformedHttp(505, "HTTP version " + std::string(text.substr(5)) + " is not supported: only 1.0 and 1.1");
	return text[7] - '0';
}

} // namespace

const std::string* HttpHead::find(std::string_view name) const
{
	for (const auto& [fieldName, value] : fields)
		if (equalsIgnoringCase(fieldName, name)) return &value;
	return nullptr;
}

HttpHeadParser::HttpHeadParser(Kind kind, Limits limits): _kind(kind), _limits(limits)
{
}

std::size_t HttpHeadParser::parse(std::string_view data, HttpHead& head, bool headRequest)
{
	// A server ignores empty lines before a request line (RFC 9112 section 2.2).
	std::size_t start = 0;
	if (_kind == Kind::Request)
		while (data.substr(start, 2) == "\r\n" && start < 8) start += 2;

	// Only what is new is looked at: three bytes back, for a terminator cut
	// in two by the last read.
	const std::size_t from = std::max(start, _scanned >= 3 ? _scanned - 3 : 0);
	const std::size_t end = data.find("\r\n\r\n", from);
	// Up to the end of the head: what follows it is a body, any bytes.
	const std::size_t checkedTo = end == std::string_view::npos ? data.size() : end;
	for (std::size_t i = from; i < checkedTo; ++i)
		if (data[i] == '\n' && (i == start || data[i - 1] != '\r'))
			throw MalformedHttp(400, "a line ends in a bare LF, not CRLF");
	const std::size_t firstLineEnd = data.find("\r\n", start);
	if (_kind == Kind::Request)
	{
		// The target is the longest part of a request line: 32 bytes allow
		// for any method and the version.
		const std::size_t lineLength = (firstLineEnd == std::string_view::npos ? data.size() : firstLineEnd) - start;
		if (lineLength > _limits.maxTargetBytes + 32) throw MalformedHttp(414, "the request target is too long");
	}
	if (end == std::string_view::npos)
	{
		if (data.size() - start > _limits.maxHeadBytes) throw MalformedHttp(431, "the request head is too large");
		_scanned = data.size();
		return 0;
	}
	const std::size_t length = end + 4;
	if (length - start > _limits.maxHeadBytes) throw MalformedHttp(431, "the message head is too large");

	head = HttpHead();
	std::string_view rest = data.substr(start, end + 2 - start); // every line with its CRLF
	const std::size_t lineEnd = rest.find("\r\n");
	parseStartLine(rest.substr(0, lineEnd), head);
	rest.remove_prefix(lineEnd + 2);
	// Most heads have a handful of fields: one allocation, not four.
	head.fields.reserve(8);
	while (!rest.empty())
	{
		const std::size_t eol = rest.find("\r\n");
		const std::string_view line = rest.substr(0, eol);
		rest.remove_prefix(eol + 2);
		if (line.front() == ' ' || line.front() == '\t')
			throw MalformedHttp(400, "a field is folded over two lines (obs-fold), which HTTP/1.1 no longer allows");
		const std::size_t colon = line.find(':');
		const std::string_view name = line.substr(0, colon);
		if (colon == std::string_view::npos || !isToken(name))
			throw MalformedHttp(400, "a field line is not a name, a colon and a value");
		const std::string_view value = trimmed(line.substr(colon + 1));
		if (!std::all_of(value.begin(), value.end(), [](char c) { return isFieldValueChar(static_cast<unsigned char>(c)); }))
			throw MalformedHttp(400, "field " + std::string(name) + " holds a control character");
		if (head.fields.size() >= _limits.maxFields)
			throw MalformedHttp(431, "the head has more than " + std::to_string(_limits.maxFields) + " fields");
		head.fields.emplace_back(name, value);
	}
	decideFraming(head, headRequest);
	_scanned = 0;
	return length;
}

void HttpHeadParser::parseStartLine(std::string_view line, HttpHead& head) const
{
	const std::size_t first = line.find(' ');
	const std::size_t second = first == std::string_view::npos ? first : line.find(' ', first + 1);
	if (_kind == Kind::Response)
	{
		// HTTP/1.1 200 OK; the reason may be empty, and its space with it.
		head.minorVersion = parseVersion(line.substr(0, first));
		const std::string_view code = line.substr(first + 1, second == std::string_view::npos ? second : second - first - 1);
		if (first == std::string_view::npos || code.size() != 3 ||
		    !std::all_of(code.begin(), code.end(), [](char c) { return Poco::Ascii::isDigit(c); }))
			throw MalformedHttp(400, "the status line has no three-digit status");
		head.status = std::stoi(std::string(code));
		head.reason = second == std::string_view::npos ? std::string() : std::string(line.substr(second + 1));
		return;
	}
	if (second == std::string_view::npos || line.find(' ', second + 1) != std::string_view::npos)
		throw MalformedHttp(400, "the request line is not a method, a target and a version, one space apart");
	const std::string_view method = line.substr(0, first);
	const std::string_view target = line.substr(first + 1, second - first - 1);
	if (!isToken(method)) throw MalformedHttp(400, "the method is not a token");
	if (target.size() > _limits.maxTargetBytes) throw MalformedHttp(414, "the request target is too long");
	if (target.empty() || !std::all_of(target.begin(), target.end(), [](char c) { return c > 0x20 && c < 0x7f; }))
		throw MalformedHttp(400, "the request target is empty or holds a character that must be percent-encoded");
	const bool originForm = target.front() == '/';
	const bool absoluteForm = target.substr(0, 7) == "http://" || target.substr(0, 8) == "https://";
	if (!originForm && !absoluteForm && target != "*") throw MalformedHttp(400, "the request target is not a path");
	head.minorVersion = parseVersion(line.substr(second + 1));
	head.method = method;
	head.target = target;
}

void HttpHeadParser::decideFraming(HttpHead& head, bool headRequest) const
{
	const bool request = _kind == Kind::Request;
	bool hasLength = false, chunked = false, hasCoding = false;
	std::size_t hosts = 0;
	head.keepAlive = head.minorVersion >= 1;
	for (const auto& [name, value] : head.fields)
	{
		if (equalsIgnoringCase(name, "Content-Length"))
		{
			// One number, once. RFC 9110 (section 8.6) lets a recipient take
			// the same number repeated, but a proxy in front may have read
			// the fields otherwise, and two ideas of where the message ends
			// are how requests are smuggled: refused, as nginx does.
			std::size_t numbers = 0;
			forEachListElement(value, [&](std::string_view element) {
				if (element.size() > 18 || !std::all_of(element.begin(), element.end(), [](char c) { return Poco::Ascii::isDigit(c); }))
					throw MalformedHttp(400, "Content-Length is not a number");
				if (hasLength) throw MalformedHttp(400, "Content-Length is given twice");
				hasLength = true;
				head.contentLength = std::stoull(std::string(element));
				++numbers;
			});
			if (numbers == 0) throw MalformedHttp(400, "Content-Length is empty");
		}
		else if (equalsIgnoringCase(name, "Transfer-Encoding"))
		{
			forEachListElement(value, [&](std::string_view coding) {
				if (chunked) throw MalformedHttp(400, "a transfer coding follows chunked");
				hasCoding = true;
				chunked = equalsIgnoringCase(coding, "chunked");
			});
		}
		else if (equalsIgnoringCase(name, "Host"))
			++hosts;
		else if (equalsIgnoringCase(name, "Connection"))
			forEachListElement(value, [&](std::string_view option) {
				if (equalsIgnoringCase(option, "close")) head.keepAlive = false;
				if (equalsIgnoringCase(option, "keep-alive") && head.minorVersion == 0) head.keepAlive = true;
			});
		else if (request && equalsIgnoringCase(name, "Expect"))
			head.expectContinue = head.minorVersion >= 1 && equalsIgnoringCase(value, "100-continue");
	}
	if (hasCoding && hasLength) throw MalformedHttp(400, "both Content-Length and Transfer-Encoding frame the body");
	if (hasCoding && !chunked)
		throw MalformedHttp(request ? 501 : 400, "a transfer coding other than chunked is not supported");
	if (hasCoding && head.minorVersion == 0) throw MalformedHttp(400, "Transfer-Encoding is not HTTP/1.0");
	if (request && head.minorVersion >= 1 && hosts != 1) throw MalformedHttp(400, "an HTTP/1.1 request needs one Host field");

	const bool noBody = !request && (headRequest || head.status / 100 == 1 || head.status == 204 || head.status == 304);
	if (noBody)
		head.body = HttpHead::Body::None;
	else if (chunked)
		head.body = HttpHead::Body::Chunked;
	else if (hasLength)
		head.body = HttpHead::Body::Length;
	else if (request)
		head.body = HttpHead::Body::None;
	else
	{
		head.body = HttpHead::Body::UntilClose;
		head.keepAlive = false;
	}
}

bool ChunkedDecoder::takeLine(std::string_view data, std::size_t& used, std::size_t limit)
{
	const std::size_t lf = data.find('\n', used);
	const std::size_t upTo = lf == std::string_view::npos ? data.size() : lf + 1;
	_line.append(data.data() + used, upTo - used);
	used = upTo;
	if (_line.size() > limit) throw MalformedHttp(400, "a line of the chunked body is too long");
	if (lf == std::string_view::npos) return false;
	if (_line.size() < 2 || _line[_line.size() - 2] != '\r') throw MalformedHttp(400, "a chunk line ends in a bare LF");
	_line.resize(_line.size() - 2);
	if (_line.find('\r') != std::string::npos) throw MalformedHttp(400, "a chunk line holds a bare CR");
	return true;
}

void ChunkedDecoder::parseSize()
{
	std::size_t digits = 0;
	_left = 0;
	while (digits < _line.size() && Poco::Ascii::isHexDigit(_line[digits]))
	{
		if (digits == 15) throw MalformedHttp(400, "a chunk is too large");
		const char c = Poco::Ascii::toLower(_line[digits]);
		_left = _left * 16 + static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
		++digits;
	}
	// What may follow the size: whitespace and a chunk extension, ignored.
	const std::string_view rest = trimmed(std::string_view(_line).substr(digits));
	if (digits == 0 || (!rest.empty() && rest.front() != ';')) throw MalformedHttp(400, "a chunk size is not a hex number");
	_state = _left == 0 ? State::Trailer : State::Data;
}

std::size_t ChunkedDecoder::decode(std::string_view data, std::string& out)
{
	constexpr std::size_t kMaxSizeLine = 1024;
	constexpr std::size_t kMaxTrailerBytes = 16 * 1024;
	std::size_t used = 0;
	while (used < data.size() && _state != State::Done)
	{
		switch (_state)
		{
		case State::Size:
			if (!takeLine(data, used, kMaxSizeLine)) return used;
			parseSize();
			_line.clear();
			break;
		case State::Data:
		{
			const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(_left, data.size() - used));
			out.append(data.data() + used, n);
			used += n;
			_left -= n;
			_decoded += n;
			if (_left == 0) _state = State::DataEnd;
			break;
		}
		case State::DataEnd:
			if (!takeLine(data, used, 2)) return used;
			if (!_line.empty()) throw MalformedHttp(400, "a chunk is longer than its size says");
			_state = State::Size;
			break;
		case State::Trailer:
			if (!takeLine(data, used, kMaxTrailerBytes)) return used;
			_trailerBytes += _line.size() + 2;
			if (_trailerBytes > kMaxTrailerBytes) throw MalformedHttp(400, "the chunked body's trailer is too large");
			_state = _line.empty() ? State::Done : State::Trailer;
			_line.clear();
			break;
		case State::Done:
			break;
		}
	}
	return used;
}

} // namespace p2p
