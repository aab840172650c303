#include "FileResponse.h"
#include "ByteRange.h"
#include "ContentTypes.h"
#include "p2p/Errors.h"
#include "p2p/Request.h"
#include "p2p/Response.h"
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/URI.h>
#include <sys/sendfile.h>
#include <algorithm>
#include <cerrno>
#include <optional>
#include <vector>

namespace p2p::filestore {

namespace {

/// Whether an If-None-Match header names this version ("*" names any).
bool matches(const std::string& ifNoneMatch, const std::string& etag)
{
	if (ifNoneMatch.empty() || etag.size() <= 2) return false;
	if (ifNoneMatch.find('*') != std::string::npos) return true;
	return ifNoneMatch.find(etag) != std::string::npos || ifNoneMatch.find(etag.substr(1, etag.size() - 2)) != std::string::npos;
}

/// Straight from the page cache to the socket, as nginx does: through
/// POCO's stream every 4 KiB would be a send() of its own. Returns false
/// when the connection is TLS, where the bytes must go through the
/// encryption.
bool sendDirect(Request& request, std::ostream& out, int fd, Poco::UInt64 first, Poco::UInt64 length)
{
	auto* direct = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request.http());
	if (!direct || direct->socket().secure()) return false;
	out.flush(); // the head, before bytes go past the stream
	const int socket = direct->socket().impl()->sockfd();
	off_t offset = static_cast<off_t>(first);
	Poco::UInt64 left = length;
	while (left > 0)
	{
		const ssize_t sent = ::sendfile(socket, fd, &offset, static_cast<std::size_t>(std::min<Poco::UInt64>(left, 1 << 30)));
		if (sent < 0 && errno == EINTR) continue;
		if (sent <= 0) break; // the client went, or stalled past http.timeout_ms
		left -= static_cast<Poco::UInt64>(sent);
	}
	return true;
}

void sendThroughStream(std::istream& in, std::ostream& out, Poco::UInt64 first, Poco::UInt64 length)
{
	in.seekg(static_cast<std::streamoff>(first));
	std::vector<char> buffer(kBufferBytes);
	Poco::UInt64 left = length;
	while (left > 0 && out)
	{
		const auto want = static_cast<std::streamsize>(std::min<Poco::UInt64>(left, buffer.size()));
		in.read(buffer.data(), want);
		const std::streamsize got = in.gcount();
		if (got <= 0) break; // shortened meanwhile; the client sees a short body and knows
		out.write(buffer.data(), got);
		left -= static_cast<Poco::UInt64>(got);
	}
}

} // namespace

std::string contentDisposition(const std::string& name)
{
	std::string quoted, encoded;
	for (const char c : name) quoted += c == '"' ? std::string("\\\"") : std::string(1, c);
	Poco::URI::encode(name, "'();,/?:@&=+$#%\"", encoded);
	return "attachment; filename=\"" + quoted + "\"; filename*=UTF-8''" + encoded;
}

void sendStoredFile(Request& request, Response& response, FileCatalog::OpenFile& file, bool attachment)
{
	const FileInfo& info = file.info;
	auto& http = response.http();
	const std::string etag = info.etag();
	if (!info.sha256.empty()) http.set("ETag", etag);
	http.set("Last-Modified", Poco::DateTimeFormatter::format(info.modified, Poco::DateTimeFormat::HTTP_FORMAT));
	http.set("Accept-Ranges", "bytes");
	if (!info.sha256.empty() && matches(request.http().get("If-None-Match", ""), etag))
	{
		http.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_NOT_MODIFIED);
		http.send();
		return;
	}

	Poco::UInt64 first = 0, length = info.size;
	std::optional<ByteRange> range;
	try
	{
		range = ByteRange::parse(request.http().get("Range", ""), info.size);
	}
	catch (const RangeNotSatisfiableException&)
	{
		http.set("Content-Range", "bytes */" + std::to_string(info.size));
		throw;
	}
	if (range)
	{
		first = range->first;
		length = range->length();
		http.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_PARTIAL_CONTENT);
		http.set("Content-Range", "bytes " + std::to_string(range->first) + "-" + std::to_string(range->last) + "/" +
		                              std::to_string(info.size));
	}
	http.setContentType(ContentTypes::forName(info.name));
	if (attachment) http.set("Content-Disposition", contentDisposition(info.name));
	http.setContentLength64(static_cast<Poco::Int64>(length));
	std::ostream& out = http.send();
	if (request.method() == "HEAD") return;
	if (!sendDirect(request, out, file.fd, first, length)) sendThroughStream(*file.stream, out, first, length);
}

} // namespace p2p::filestore
