// Message heads and chunked bodies as the event loop reads them from a
// socket: the first byte picks a request or a response and where the reads
// are cut; the rest is the bytes.
#include "http/HttpHead.h"
#include <cstdint>
#include <string>

namespace {

void check(bool property)
{
	if (!property) __builtin_trap();
}

bool refusalStatus(int status)
{
	return status == 400 || status == 414 || status == 431 || status == 501 || status == 505;
}

/// Parses all at once; the head's length, or 0 with status set.
std::size_t parseWhole(p2p::HttpHeadParser::Kind kind, std::string_view data, p2p::HttpHead& head, int& status)
{
	p2p::HttpHeadParser parser(kind, {});
	try
	{
		return parser.parse(data, head);
	}
	catch (const p2p::MalformedHttp& exc)
	{
		check(refusalStatus(exc.status()));
		status = exc.status();
		return 0;
	}
}

std::string serialised(const p2p::HttpHead& head)
{
	std::string wire = head.method + " " + head.target + " HTTP/1." + std::to_string(head.minorVersion) + "\r\n";
	for (const auto& [name, value] : head.fields) wire += name + ": " + value + "\r\n";
	return wire + "\r\n";
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size)
{
	if (size == 0) return 0;
	const auto kind = bytes[0] & 1 ? p2p::HttpHeadParser::Kind::Response : p2p::HttpHeadParser::Kind::Request;
	const std::size_t step = 1 + (bytes[0] >> 1); // how many bytes each read brings
	const std::string_view data(reinterpret_cast<const char*>(bytes) + 1, size - 1);

	p2p::HttpHead whole;
	int wholeStatus = 0;
	const std::size_t length = parseWhole(kind, data, whole, wholeStatus);

	// Read as it trickles in, the same bytes give the same head: what the
	// parser skips as scanned never hides the end of a head or a bad byte.
	p2p::HttpHeadParser parser(kind, {});
	p2p::HttpHead trickled;
	std::size_t trickledLength = 0;
	bool refused = false;
	try
	{
		for (std::size_t n = std::min(step, data.size()); trickledLength == 0; n = std::min(n + step, data.size()))
		{
			trickledLength = parser.parse(data.substr(0, n), trickled);
			if (n == data.size()) break;
		}
	}
	catch (const p2p::MalformedHttp& exc)
	{
		check(refusalStatus(exc.status()));
		refused = true;
	}
	check(refused == (wholeStatus != 0));
	check(trickledLength == length);
	if (length == 0) return 0;
	check(trickled.target == whole.target && trickled.fields == whole.fields && trickled.body == whole.body);

	// Framing is one idea of where the message ends.
	check(length <= data.size());
	check(whole.body != p2p::HttpHead::Body::Chunked || whole.minorVersion == 1);
	check(whole.body == p2p::HttpHead::Body::Length || whole.contentLength == 0 || kind == p2p::HttpHeadParser::Kind::Response);

	// A request head written out again reads the same.
	if (kind == p2p::HttpHeadParser::Kind::Request)
	{
		const std::string again = serialised(whole);
		p2p::HttpHead reread;
		int status = 0;
		check(parseWhole(kind, again, reread, status) == again.size());
		check(reread.method == whole.method && reread.target == whole.target && reread.fields == whole.fields &&
		      reread.body == whole.body && reread.contentLength == whole.contentLength && reread.keepAlive == whole.keepAlive);
	}

	// What follows a chunked head decodes, or is refused with a 400.
	if (whole.body == p2p::HttpHead::Body::Chunked)
	{
		p2p::ChunkedDecoder decoder;
		std::string body;
		try
		{
			std::size_t used = length;
			while (used < data.size() && !decoder.done())
			{
				const std::size_t taken = decoder.decode(data.substr(used, std::min(step, data.size() - used)), body);
				check(taken > 0 || decoder.done());
				used += taken;
			}
			check(decoder.decoded() == body.size());
		}
		catch (const p2p::MalformedHttp& exc)
		{
			check(exc.status() == 400);
		}
	}
	return 0;
}
