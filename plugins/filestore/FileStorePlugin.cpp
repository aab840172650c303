#include "FileStorePlugin.h"
#include "ByteRange.h"
#include "ContentTypes.h"
#include "FileName.h"
#include "p2p/Errors.h"
#include "p2p/Forwarder.h"
#include "p2p/Json.h"
#include "p2p/Metrics.h"
#include "p2p/Membership.h"
#include "p2p/NodeContext.h"
#include "p2p/PeerClient.h"
#include "p2p/ServiceRegistry.h"
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
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/URI.h>
#include <sys/sendfile.h>
#include <cerrno>
#include <map>

namespace p2p::filestore {

namespace {

constexpr std::size_t kBufferBytes = 64 * 1024;
constexpr int kMaxParts = 64;
/// Multipart framing and small fields around the file.
constexpr Poco::UInt64 kMultipartAllowance = 64 * 1024;

/// Adds "id (why)" to the list of owners that failed, for the 503's sentence.
void noteFailure(std::string& tried, const std::string& id, const std::string& why)
{
	tried += (tried.empty() ? "" : "; ") + id + " (" + why + ")";
}

/// RFC 6266: a quoted name for old clients ('"' escaped; names hold no
/// control characters), the exact UTF-8 name for the rest.
std::string contentDisposition(const std::string& name)
{
	std::string quoted, encoded;
	for (const char c : name) quoted += c == '"' ? std::string("\\\"") : std::string(1, c);
	Poco::URI::encode(name, "'();,/?:@&=+$#%\"", encoded);
	return "attachment; filename=\"" + quoted + "\"; filename*=UTF-8''" + encoded;
}

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
	return "0.2.0";
}

std::vector<std::string> FileStorePlugin::optionalDependencies() const
{
	return {"dht-router"};
}

void FileStorePlugin::start(NodeContext& context)
{
	_context = &context;
	const Poco::Int64 oneGiB = 1024LL * 1024 * 1024;
	const Poco::Int64 limit = context.config().getInt64("max_upload_bytes", oneGiB);
	if (limit <= 0) throw Poco::InvalidArgumentException("property filestore.max_upload_bytes must be positive");
	_maxUploadBytes = static_cast<Poco::UInt64>(limit);
	_catalog = std::make_unique<FileCatalog>(context.dataDir());
	context.metrics().gauge("p2p_filestore_files", "Files stored on this node.", {},
	                        [catalog = _catalog.get()] { return static_cast<double>(catalog->count()); });
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

	_placement = context.services().find<Placement>(Placement::kServiceName);
	if (_placement)
	{
		_replicas = static_cast<std::size_t>(settings::getInt(context.config(), name(), "replicas", 2, 1, 16));
		PeerClient::Settings patient;
		patient.maxIdlePerPeer = 0;
		// Per socket operation: how long a peer may stay silent, not how
		// long a transfer may take.
		patient.requestTimeout = Poco::Timespan(
			settings::getInt(context.config(), name(), "transfer_timeout_ms", 120000, 100, 3600000) * Poco::Timespan::MILLISECONDS);
		_transfers = std::make_unique<PeerClient>(patient, context.peers());
		_rebalanceInterval = Poco::Timespan(
			settings::getInt(context.config(), name(), "rebalance_interval_ms", 300000, 100, 86400000) * Poco::Timespan::MILLISECONDS);
		_rebalancer = std::make_unique<FileRebalancer>(*_catalog, context.node().id, *_transfers, _placement, _replicas);
		// A second after the last change of the view, so a forming network or
		// several leases running out together cost one pass.
		_timer = std::make_unique<RebalanceTimer>(context.membership(), Poco::Timespan(1, 0), _rebalanceInterval,
		                                          [this](bool) { rebalance(); });
		_timer->start();
		RouteOptions peers;
		peers.access = Access::Peer;
		RouteOptions peerStream = stream;
		peerStream.access = Access::Peer;
		router.add("PUT", "/internal/files/{name}", [this](Request& rq, Response& rs) { putReplica(rq, rs); }, peerStream);
		router.add("GET", "/internal/files/{name}", [this](Request& rq, Response& rs) {
			if (!serveLocal(rq, rs, rq.param("name"), false)) throw Poco::NotFoundException("file not found");
		}, peers);
		router.add("DELETE", "/internal/files/{name}", [this](Request& rq, Response& rs) { removeReplica(rq, rs); }, peers);
		router.add("GET", "/internal/files", [this](Request& rq, Response& rs) { listReplicas(rq, rs); }, peers);
		context.logger().information("files are placed on the ring, %z copies of each", _replicas);
	}
	context.logger().information("files are kept in %s, uploads up to %Lu bytes", context.dataDir(), _maxUploadBytes);
}

void FileStorePlugin::stop()
{
	if (_timer)
	{
		_rebalancer->stop();
		_timer->stop(); // waits for a running pass, which ends between two files
	}
	_catalog.reset();
}

void FileStorePlugin::rebalance()
{
	try
	{
		const auto pass = _rebalancer->run();
		if (pass.copied > 0 || pass.handedOff > 0 || pass.failed > 0)
			_context->logger().information("rebalanced %z files: %z copies sent, %z handed off, %z copies failed", pass.files,
			                               pass.copied, pass.handedOff, pass.failed);
	}
	catch (const Poco::Exception& exc)
	{
		_context->logger().error("rebalancing files failed: %s", exc.displayText());
	}
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

void FileStorePlugin::discard(std::istream& part, Poco::CountingInputStream& body) const
{
	// Within the upload limit too: fields other than the file, preambles and
	// epilogues must not make a body of any size acceptable.
	std::vector<char> buffer(kBufferBytes);
	while (part.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || part.gcount() > 0)
	{
		if (static_cast<Poco::UInt64>(body.chars()) > _maxUploadBytes + kMultipartAllowance)
			throw PayloadTooLargeException("the upload is larger than filestore.max_upload_bytes (" +
			                               std::to_string(_maxUploadBytes) + " bytes)");
	}
}

void FileStorePlugin::answerStored(Response& response, const FileInfo& info, const std::vector<std::string>* holders) const
{
	auto body = json::object();
	body->set("filename", info.name);
	body->set("status", "uploaded");
	body->set("size", info.size);
	body->set("sha256", info.sha256);
	if (holders)
	{
		Poco::JSON::Array::Ptr nodes = new Poco::JSON::Array;
		for (const auto& id : *holders) nodes->add(id);
		body->set("nodes", nodes);
	}
	response.json(body);
}

void FileStorePlugin::answerDeleted(Response& response, const std::string& name)
{
	auto body = json::object();
	body->set("filename", name);
	body->set("status", "deleted");
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
	const std::string boundary = type.getParameter("boundary");
	if (boundary.empty() || boundary.size() > 70) throw BadRequestException("a multipart boundary is 1 to 70 characters (RFC 2046)");
	// Counted, to tell a body the client cut short from one that ended.
	Poco::CountingInputStream counted(request.body());
	try
	{
		Poco::Net::MultipartReader reader(counted, boundary);
		std::unique_ptr<FileCatalog::Upload> upload;
		std::string filename;
		for (int parts = 0; reader.hasNextPart(); ++parts)
		{
			// POCO's reader asks for another part forever once the body has
			// ended without its closing boundary (a client cut off). It reads
			// the stream buffer directly, so the stream's own state never
			// says end-of-file: ask the buffer.
			if (counted.rdbuf()->sgetc() == std::char_traits<char>::eof())
				throw BadRequestException("the upload ended before its closing boundary");
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
				discard(reader.stream(), counted);
			}
		}
		if (!upload) throw BadRequestException("the upload has no field 'file' with a filename");
		// POCO's reader also stops at the end of a body cut short (chunked,
		// or as long as declared but without its end): only the closing
		// boundary says the upload is complete.
		if (!static_cast<Poco::Net::MultipartInputStream&>(reader.stream()).lastPart())
			throw BadRequestException("the upload ended before its closing boundary");
		discard(counted, counted); // the epilogue, if any
		if (http.hasContentLength() && counted.chars() < http.getContentLength64())
			throw BadRequestException("the upload ended before its Content-Length");
		finish(request, response, filename, *upload);
	}
	catch (const Poco::Net::MultipartException& exc)
	{
		throw BadRequestException("the upload is not well-formed multipart: " + exc.message());
	}
}

void FileStorePlugin::put(Request& request, Response& response)
{
	const std::string& name = request.param("name");
	FileName::validate(name);
	checkDeclaredLength(request);
	auto& http = request.http();
	// A chunked body cut short reads like one that ended: only a declared
	// length tells a complete upload from a truncated one.
	if (!http.hasContentLength()) throw LengthRequiredException("PUT /files/{name} needs a Content-Length");
	const auto owners = ownersOf(name);
	if (!forwardedByNode(request) && !ownedHere(owners))
	{
		streamThrough(request, response, name, owners);
		return;
	}
	auto upload = _catalog->begin();
	receive(request.body(), *upload);
	if (http.hasContentLength() && upload->size() < static_cast<Poco::UInt64>(http.getContentLength64()))
		throw BadRequestException("the upload ended before its Content-Length");
	checkDeclaredHash(request, *upload);
	finish(request, response, name, *upload);
}

FileStorePlugin::OwnerAnswer FileStorePlugin::sendToOwner(const Placement::Owner& owner, const std::string& encodedName,
                                                          std::istream& body, Poco::Int64 length, const std::string& sha256,
                                                          bool* nothingSent)
{
	OwnerAnswer result;
	PeerClient::Headers headers{{Forwarder::kForwardedByHeader, _context->node().id}};
	if (!sha256.empty()) headers.emplace_back(PeerClient::kBodyHashHeader, sha256);
	_transfers->stream(owner.url, "PUT", "/files/" + encodedName, headers, &body,
	                   static_cast<std::streamsize>(length), "application/octet-stream",
	                   [&](const Poco::Net::HTTPResponse& answer, std::istream& in) {
		                   result.status = static_cast<int>(answer.getStatus());
		                   result.contentType = answer.getContentType();
		                   // An answer is a short JSON document; read no more than that.
		                   char buffer[16 * 1024];
		                   in.read(buffer, sizeof(buffer));
		                   result.body.assign(buffer, static_cast<std::size_t>(in.gcount()));
	                   },
	                   nothingSent);
	return result;
}

void FileStorePlugin::relayAnswer(Response& response, const Placement::Owner& owner, const OwnerAnswer& answer)
{
	response.http().set(Forwarder::kAnsweredByHeader, owner.id);
	response.send(answer.body, answer.contentType.empty() ? "application/json" : answer.contentType, answer.status);
}

void FileStorePlugin::streamThrough(Request& request, Response& response, const std::string& name,
                                    const std::vector<Placement::Owner>& owners)
{
	// Its length is known, so the body goes on to an owner as it arrives,
	// touching neither memory nor this node's disk. Another owner can be
	// tried only while no byte has gone yet.
	const std::string encoded = FileName::encoded(name);
	std::string tried;
	for (const auto& owner : owners)
	{
		OwnerAnswer answer;
		bool nothingSent = true;
		try
		{
			answer = sendToOwner(owner, encoded, request.body(), request.http().getContentLength64(), "", &nothingSent);
		}
		catch (const Poco::IOException& exc) // BadGateway, and GatewayTimeout's base is not IO: below
		{
			if (!nothingSent) throw;
			noteFailure(tried, owner.id, exc.message());
			continue;
		}
		catch (const GatewayTimeoutException& exc)
		{
			if (!nothingSent) throw;
			noteFailure(tried, owner.id, exc.message());
			continue;
		}
		relayAnswer(response, owner, answer);
		return;
	}
	throw ServiceUnavailableException("no node that owns this file could be reached; tried " + tried);
}

std::vector<Placement::Owner> FileStorePlugin::ownersOf(const std::string& name) const
{
	if (!_placement) return {};
	// The ring hashes the name with SHA-1, as for keys.
	return _placement->preferenceList(name, _replicas);
}

void FileStorePlugin::checkDeclaredHash(Request& request, FileCatalog::Upload& upload)
{
	// Declared by the sending node and covered by its signature: the bytes
	// that arrived must be the ones it signed for, or a recorded head could
	// carry any content. A client's upload relayed as it arrived declares
	// none.
	const std::string declared = request.http().get(PeerClient::kBodyHashHeader, "");
	if (declared.empty() || declared == PeerClient::kUnsignedPayload || !request.fromNode()) return;
	if (upload.sha256() != declared)
		throw BadRequestException("the body's SHA-256 is not the one its sender declared and signed");
}

bool FileStorePlugin::forwardedByNode(Request& request)
{
	return request.fromNode() && request.http().has(Forwarder::kForwardedByHeader);
}

bool FileStorePlugin::ownedHere(const std::vector<Placement::Owner>& owners) const
{
	if (owners.empty()) return true;
	for (const auto& owner : owners)
		if (owner.id == _context->node().id) return true;
	return false;
}

void FileStorePlugin::finish(Request& request, Response& response, const std::string& name, FileCatalog::Upload& upload)
{
	const auto owners = ownersOf(name);
	// An upload another node sent on is kept here, whatever this node's view
	// of the ring: two nodes whose views differ must not pass it back and forth.
	const bool forwarded = forwardedByNode(request);
	if (forwarded || ownedHere(owners))
	{
		const FileInfo info = upload.commit(name);
		const auto holders = replicate(info, owners);
		answerStored(response, info, owners.empty() ? nullptr : &holders);
		return;
	}
	// Not ours: the whole upload is here on disk, so it can go to each
	// owner in turn until one takes it.
	const std::string encoded = FileName::encoded(name);
	std::string tried;
	for (const auto& owner : owners)
	{
		auto in = upload.reread();
		OwnerAnswer answer;
		try
		{
			answer = sendToOwner(owner, encoded, *in, static_cast<Poco::Int64>(upload.size()), upload.sha256(), nullptr);
		}
		catch (const BadGatewayException& exc)
		{
			noteFailure(tried, owner.id, exc.message());
			continue;
		}
		catch (const GatewayTimeoutException& exc)
		{
			noteFailure(tried, owner.id, exc.message());
			continue;
		}
		if (answer.status >= 500) // that owner could not store it (a full disk ...): the next may
		{
			noteFailure(tried, owner.id, "answered " + std::to_string(answer.status));
			continue;
		}
		relayAnswer(response, owner, answer);
		return;
	}
	throw ServiceUnavailableException("no node that owns this file took it; tried " + tried);
}

std::vector<std::string> FileStorePlugin::replicate(const FileInfo& info, const std::vector<Placement::Owner>& owners)
{
	std::vector<std::string> holders{_context->node().id};
	const std::string encoded = FileName::encoded(info.name);
	for (const auto& owner : owners)
	{
		if (owner.id == _context->node().id) continue;
		auto file = _catalog->open(info.name);
		if (!file) break; // replaced or deleted meanwhile: the newer request copies it
		try
		{
			if (sendCopy(*_transfers, owner, encoded, *file)) holders.push_back(owner.id);
		}
		catch (const Poco::Exception& exc)
		{
			_context->logger().warning("could not copy %s to %s: %s", info.name, owner.id, exc.message());
		}
	}
	return holders;
}

void FileStorePlugin::putReplica(Request& request, Response& response)
{
	const std::string& name = request.param("name");
	FileName::validate(name);
	checkDeclaredLength(request);
	auto upload = _catalog->begin();
	if (request.http().get(PeerClient::kBodyHashHeader, "").size() != 64)
		throw BadRequestException(std::string("a copy between nodes declares its SHA-256 in ") + PeerClient::kBodyHashHeader);
	receive(request.body(), *upload);
	auto& http = request.http();
	if (http.hasContentLength() && upload->size() < static_cast<Poco::UInt64>(http.getContentLength64()))
		throw BadRequestException("the copy ended before its Content-Length");
	checkDeclaredHash(request, *upload);
	answerStored(response, upload->commit(name));
}

void FileStorePlugin::removeReplica(Request& request, Response& response)
{
	const std::string& name = request.param("name");
	FileName::validate(name);
	if (!_catalog->remove(name)) throw Poco::NotFoundException("file not found");
	answerDeleted(response, name);
}

void FileStorePlugin::listReplicas(Request&, Response& response)
{
	Poco::JSON::Array::Ptr files = new Poco::JSON::Array;
	for (const auto& info : _catalog->list()) files->add(describe(info));
	auto body = json::object();
	body->set("files", files);
	response.json(body);
}

void FileStorePlugin::download(Request& request, Response& response, bool attachment)
{
	const std::string& name = request.param("name");
	FileName::validate(name);
	if (serveLocal(request, response, name, attachment)) return;
	if (!_placement) throw Poco::NotFoundException("file not found");
	relay(request, response, name, attachment);
}

void FileStorePlugin::relay(Request& request, Response& response, const std::string& name, bool attachment)
{
	const std::string encoded = FileName::encoded(name);
	PeerClient::Headers headers{{Forwarder::kForwardedByHeader, _context->node().id}};
	for (const char* header : {"Range", "If-None-Match"})
		if (request.http().has(header)) headers.emplace_back(header, request.http().get(header));
	std::string tried;
	bool anyAnswered = false;
	for (const auto& owner : ownersOf(name))
	{
		if (owner.id == _context->node().id) continue;
		bool missing = false;
		try
		{
			_transfers->stream(owner.url, request.method(), "/internal/files/" + encoded, headers, nullptr, 0, "",
			                         [&](const Poco::Net::HTTPResponse& answer, std::istream& body) {
				                         if (answer.getStatus() == Poco::Net::HTTPResponse::HTTP_NOT_FOUND ||
				                             answer.getStatus() >= 500)
				                         {
					                         missing = answer.getStatus() == Poco::Net::HTTPResponse::HTTP_NOT_FOUND;
					                         if (!missing) throw BadGatewayException("answered " + std::to_string(answer.getStatus()));
					                         return;
				                         }
				                         auto& http = response.http();
				                         // Should the owner break off mid-body, closing is the only
				                         // way left to tell the client its body is short.
				                         http.setKeepAlive(false);
				                         http.setStatusAndReason(answer.getStatus());
				                         for (const char* copied : {"Content-Type", "ETag", "Last-Modified", "Accept-Ranges", "Content-Range"})
					                         if (answer.has(copied)) http.set(copied, answer.get(copied));
				                         if (attachment) http.set("Content-Disposition", contentDisposition(name));
				                         http.set(Forwarder::kAnsweredByHeader, owner.id);
				                         if (answer.hasContentLength()) http.setContentLength64(answer.getContentLength64());
				                         std::ostream& out = http.send();
				                         if (request.method() != "HEAD") Poco::StreamCopier::copyStream(body, out, kBufferBytes);
			                         });
			anyAnswered = true;
			if (!missing) return;
		}
		catch (const Poco::Exception& exc)
		{
			if (response.sent()) throw; // the answer had begun: nothing else to do
			noteFailure(tried, owner.id, exc.message());
		}
	}
	if (anyAnswered || tried.empty()) throw Poco::NotFoundException("file not found");
	throw ServiceUnavailableException("no node that owns this file answered; tried " + tried);
}

bool FileStorePlugin::serveLocal(Request& request, Response& response, const std::string& name, bool attachment)
{
	FileName::validate(name);
	auto file = _catalog->open(name);
	if (!file) return false;
	const FileInfo& info = file->info;
	auto& http = response.http();
	const std::string etag = etagOf(info);
	if (!info.sha256.empty()) http.set("ETag", etag);
	http.set("Last-Modified", Poco::DateTimeFormatter::format(info.modified, Poco::DateTimeFormat::HTTP_FORMAT));
	http.set("Accept-Ranges", "bytes");
	if (!info.sha256.empty() && matches(request.http().get("If-None-Match", ""), etag))
	{
		http.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_NOT_MODIFIED);
		http.send();
		return true;
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
	if (attachment) http.set("Content-Disposition", contentDisposition(name));
	http.setContentLength64(static_cast<Poco::Int64>(length));
	std::ostream& out = http.send();
	if (request.method() == "HEAD") return true;

	// Straight from the page cache to the socket, as nginx does: through
	// POCO's stream every 4 KiB would be a send() of its own. Not over TLS,
	// where the bytes must go through the encryption.
	auto* direct = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request.http());
	if (direct && !direct->socket().secure())
	{
		out.flush(); // the head, before bytes go past the stream
		const int socket = direct->socket().impl()->sockfd();
		off_t offset = static_cast<off_t>(first);
		Poco::UInt64 left = length;
		while (left > 0)
		{
			const ssize_t sent = ::sendfile(socket, file->fd, &offset, static_cast<std::size_t>(std::min<Poco::UInt64>(left, 1 << 30)));
			if (sent < 0 && errno == EINTR) continue;
			if (sent <= 0) break; // the client went, or stalled past http.timeout_ms
			left -= static_cast<Poco::UInt64>(sent);
		}
		return true;
	}

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
	return true;
}

void FileStorePlugin::list(Request&, Response& response)
{
	// name -> (newest description, nodes holding a copy)
	std::map<std::string, std::pair<Poco::JSON::Object::Ptr, std::vector<std::string>>> seen;
	for (const auto& info : _catalog->list())
	{
		auto& entry = seen[info.name];
		entry.first = describe(info);
		entry.second.push_back(_context->node().id);
	}
	if (_placement)
	{
		// Every other alive node's own copies: an operator's question, asked
		// of the whole network, so this costs a request per node.
		for (const auto& member : _context->membership().alive())
		{
			try
			{
				const PeerResponse answer = _context->peers().send(member.url, "GET", "/internal/files");
				if (answer.status != 200) continue;
				const auto list = json::asObject(json::parse(answer.body))->getArray("files");
				for (std::size_t i = 0; list && i < list->size(); ++i)
				{
					auto item = list->getObject(static_cast<unsigned>(i));
					if (!item) continue;
					auto& entry = seen[item->optValue<std::string>("filename", "")];
					if (!entry.first) entry.first = item;
					entry.second.push_back(member.id);
				}
			}
			catch (const Poco::Exception& exc)
			{
				_context->logger().debug("listing %s's files failed: %s", member.id, exc.message());
			}
		}
	}
	Poco::JSON::Array::Ptr files = new Poco::JSON::Array;
	for (auto& [name, entry] : seen)
	{
		if (name.empty()) continue;
		Poco::JSON::Array::Ptr nodes = new Poco::JSON::Array;
		for (const auto& id : entry.second) nodes->add(id);
		entry.first->set("nodes", nodes);
		files->add(entry.first);
	}
	auto body = json::object();
	body->set("files", files);
	response.json(body);
}

void FileStorePlugin::remove(Request& request, Response& response)
{
	const std::string& name = request.param("name");
	FileName::validate(name);
	bool found = _catalog->remove(name);
	const std::string encoded = FileName::encoded(name);
	for (const auto& owner : ownersOf(name))
	{
		if (owner.id == _context->node().id) continue;
		try
		{
			found = _context->peers().send(owner.url, "DELETE", "/internal/files/" + encoded).status == 200 || found;
		}
		catch (const Poco::Exception& exc)
		{
			_context->logger().warning("could not delete %s on %s: %s", name, owner.id, exc.message());
		}
	}
	if (!found) throw Poco::NotFoundException("file not found");
	answerDeleted(response, name);
}

} // namespace p2p::filestore

P2P_EXPORT_PLUGIN(p2p::filestore::FileStorePlugin)
