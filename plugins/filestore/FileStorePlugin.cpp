#include "FileStorePlugin.h"
#include "ByteRange.h"
#include "ContentTypes.h"
#include "FileName.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include "p2p/Metrics.h"
#include "p2p/NodeContext.h"
#include "p2p/Request.h"
#include "p2p/Response.h"
#include "p2p/Settings.h"
#include <Poco/CountingStream.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Net/MediaType.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/MultipartReader.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Net/NetException.h>
#include <Poco/NullStream.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

namespace p2p::filestore {

namespace {

constexpr std::size_t kBufferBytes = 64 * 1024;
constexpr int kMaxParts = 64;

std::string etagOf(const FileInfo& info)
{
	return "\"" + info.sha256 + "\"";
}

/// Whether an If-None-Match header names this version ("*" names any).
bool matches(const std::string& ifNoneMatch, const std::string& etag)
{
	if (ifNoneMatch.empty() || etag.size() <= 2) return false;
	if (ifNoneMatch.find('*') != std::string::npos) return true;
	return ifNoneMatch.find(etag) != std::string::npos || ifNoneMatch.find(etag.substr(1, etag.size() - 2)) != std::string::npos;
}

Poco::JSON::Object::Ptr describe(const FileInfo& info)
{
	auto item = json::object();
	item->set("filename", info.name);
	item->set("size", info.size);
	item->set("sha256", info.sha256);
	item->set("modified", Poco::DateTimeFormatter::format(info.modified, Poco::DateTimeFormat::ISO8601_FORMAT));
	return item;
}

} // namespace

std::string FileStorePlugin::name() const
{
	return "filestore";
}

std::string FileStorePlugin::version() const
{
	return "0.1.0";
}

void FileStorePlugin::start(NodeContext& context)
{
	_context = &context;
	const Poco::Int64 oneGiB = 1024LL * 1024 * 1024;
	_maxUploadBytes = static_cast<Poco::UInt64>(
		context.config().getInt64("max_upload_bytes", oneGiB));
	if (_maxUploadBytes == 0) throw Poco::InvalidArgumentException("property filestore.max_upload_bytes must be positive");
	_catalog = std::make_unique<FileCatalog>(context.dataDir());
	context.metrics().gauge("p2p_filestore_files", "Files stored on this node.", {},
	                        [catalog = _catalog.get()] { return static_cast<double>(catalog->list().size()); });
	context.metrics().gauge("p2p_filestore_uploads_in_progress", "Uploads being received now.", {},
	                        [catalog = _catalog.get()] { return static_cast<double>(catalog->pendingUploads()); });

	RouteOptions stream;
	stream.body = Body::Stream;
	auto& router = context.router();
	router.add("POST", "/upload", [this](Request& rq, Response& rs) { upload(rq, rs); }, stream);
	router.add("GET", "/download/{name}", [this](Request& rq, Response& rs) { download(rq, rs, true); });
	router.add("PUT", "/files/{name}", [this](Request& rq, Response& rs) { put(rq, rs); }, stream);
	router.add("GET", "/files/{name}", [this](Request& rq, Response& rs) { download(rq, rs, false); });
	router.add("DELETE", "/files/{name}", [this](Request& rq, Response& rs) { remove(rq, rs); });
	router.add("GET", "/files", [this](Request& rq, Response& rs) { list(rq, rs); });
	context.logger().information("files are kept in %s, uploads up to %Lu bytes", context.dataDir(), _maxUploadBytes);
}

void FileStorePlugin::stop()
{
	_catalog.reset();
}

void FileStorePlugin::checkDeclaredLength(Request& request) const
{
	auto& http = request.http();
	if (http.hasContentLength() && static_cast<Poco::UInt64>(http.getContentLength64()) > _maxUploadBytes)
		throw PayloadTooLargeException("the upload is " + std::to_string(http.getContentLength64()) +
		                               " bytes, more than filestore.max_upload_bytes (" + std::to_string(_maxUploadBytes) + ")");
}

void FileStorePlugin::receive(std::istream& body, FileCatalog::Upload& upload)
{
	std::vector<char> buffer(kBufferBytes);
	while (body.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || body.gcount() > 0)
	{
		const auto n = static_cast<std::size_t>(body.gcount());
		if (upload.size() + n > _maxUploadBytes)
			throw PayloadTooLargeException("the upload is larger than filestore.max_upload_bytes (" +
			                               std::to_string(_maxUploadBytes) + " bytes)");
		upload.write(buffer.data(), n);
	}
}

void FileStorePlugin::answerStored(Response& response, const FileInfo& info) const
{
	auto body = json::object();
	body->set("filename", info.name);
	body->set("status", "uploaded");
	body->set("size", info.size);
	body->set("sha256", info.sha256);
	response.json(body);
}

void FileStorePlugin::upload(Request& request, Response& response)
{
	checkDeclaredLength(request);
	auto& http = request.http();
	const Poco::Net::MediaType type(http.getContentType().empty() ? "application/octet-stream" : http.getContentType());
	if (!type.matches("multipart", "form-data") || !type.hasParameter("boundary"))
		throw BadRequestException("an upload is multipart/form-data with a boundary and a field 'file' "
		                          "(curl -F 'file=@name')");
	// Counted, to tell a body the client cut short from one that ended.
	Poco::CountingInputStream counted(request.body());
	std::optional<FileInfo> stored;
	try
	{
		Poco::Net::MultipartReader reader(counted, type.getParameter("boundary"));
		std::unique_ptr<FileCatalog::Upload> upload;
		std::string filename;
		for (int parts = 0; reader.hasNextPart(); ++parts)
		{
			// POCO's reader asks for another part forever once the body has
			// ended without its closing boundary (a client cut off).
			if (!counted.good()) throw BadRequestException("the upload ended before its closing boundary");
			if (parts >= kMaxParts) throw BadRequestException("the upload has more than " + std::to_string(kMaxParts) + " parts");
			Poco::Net::MessageHeader header;
			reader.nextPart(header);
			std::string disposition;
			Poco::Net::NameValueCollection params;
			Poco::Net::MessageHeader::splitParameters(header.get("Content-Disposition", ""), disposition, params);
			if (!upload && params.get("name", "") == "file" && params.has("filename"))
			{
				filename = params.get("filename");
				FileName::validate(filename); // before a byte is written
				upload = _catalog->begin();
				receive(reader.stream(), *upload);
			}
			else
			{
				Poco::NullOutputStream discard;
				Poco::StreamCopier::copyStream(reader.stream(), discard);
			}
		}
		if (!upload) throw BadRequestException("the upload has no field 'file' with a filename");
		Poco::NullOutputStream epilogue; // what follows the closing boundary, if anything
		Poco::StreamCopier::copyStream(counted, epilogue);
		if (http.hasContentLength() && counted.chars() < http.getContentLength64())
			throw BadRequestException("the upload ended before its Content-Length");
		stored = upload->commit(filename);
	}
	catch (const Poco::Net::MultipartException& exc)
	{
		throw BadRequestException("the upload is not well-formed multipart: " + exc.message());
	}
	answerStored(response, *stored);
}

void FileStorePlugin::put(Request& request, Response& response)
{
	const std::string& name = request.param("name");
	FileName::validate(name);
	checkDeclaredLength(request);
	auto& http = request.http();
	if (!http.hasContentLength() && !http.getChunkedTransferEncoding())
		throw LengthRequiredException("PUT /files/{name} needs a Content-Length or chunked transfer encoding");
	auto upload = _catalog->begin();
	receive(request.body(), *upload);
	if (http.hasContentLength() && upload->size() < static_cast<Poco::UInt64>(http.getContentLength64()))
		throw BadRequestException("the upload ended before its Content-Length");
	answerStored(response, upload->commit(name));
}

void FileStorePlugin::download(Request& request, Response& response, bool attachment)
{
	const std::string& name = request.param("name");
	FileName::validate(name);
	auto file = _catalog->open(name);
	if (!file) throw Poco::NotFoundException("file not found");
	const FileInfo& info = file->info;
	auto& http = response.http();
	const std::string etag = etagOf(info);
	if (!info.sha256.empty()) http.set("ETag", etag);
	http.set("Last-Modified", Poco::DateTimeFormatter::format(info.modified, Poco::DateTimeFormat::HTTP_FORMAT));
	http.set("Accept-Ranges", "bytes");
	if (!info.sha256.empty() && matches(request.http().get("If-None-Match", ""), etag))
	{
		http.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_NOT_MODIFIED);
		http.setContentLength(0);
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
	http.setContentType(ContentTypes::forName(name));
	if (attachment)
	{
		// A quoted name for old clients ('"' escaped; names hold no control
		// characters), the exact UTF-8 name for the rest (RFC 6266).
		std::string quoted, encoded;
		for (const char c : name) quoted += c == '"' ? std::string("\\\"") : std::string(1, c);
		Poco::URI::encode(name, "'();,/?:@&=+$#%\"", encoded);
		http.set("Content-Disposition", "attachment; filename=\"" + quoted + "\"; filename*=UTF-8''" + encoded);
	}
	http.setContentLength64(static_cast<Poco::Int64>(length));
	std::ostream& out = http.send();
	if (request.method() == "HEAD") return;

	std::istream& in = *file->stream;
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

void FileStorePlugin::list(Request&, Response& response)
{
	Poco::JSON::Array::Ptr files = new Poco::JSON::Array;
	for (const auto& info : _catalog->list())
	{
		auto item = describe(info);
		Poco::JSON::Array::Ptr nodes = new Poco::JSON::Array;
		nodes->add(_context->node().id);
		item->set("nodes", nodes);
		files->add(item);
	}
	auto body = json::object();
	body->set("files", files);
	response.json(body);
}

void FileStorePlugin::remove(Request& request, Response& response)
{
	const std::string& name = request.param("name");
	FileName::validate(name);
	if (!_catalog->remove(name)) throw Poco::NotFoundException("file not found");
	auto body = json::object();
	body->set("filename", name);
	body->set("status", "deleted");
	response.json(body);
}

} // namespace p2p::filestore

P2P_EXPORT_PLUGIN(p2p::filestore::FileStorePlugin)
