#include "FileHandlers.h"
#include "FileName.h"
#include "FileResponse.h"
#include "HttpFileTransfers.h"
#include "MultipartUpload.h"
#include "p2p/Errors.h"
#include "p2p/Forwarder.h"
#include "p2p/Json.h"
#include "p2p/Membership.h"
#include "p2p/NodeContext.h"
#include "p2p/PeerClient.h"
#include "p2p/Request.h"
#include "p2p/Response.h"
#include "p2p/Router.h"
#include <Poco/NumberParser.h>
#include <map>
#include <optional>

namespace p2p::filestore {

namespace {

Poco::JSON::Object::Ptr filesBody(const Poco::JSON::Array::Ptr& files)
{
	auto body = json::object();
	body->set("files", files);
	return body;
}

} // namespace

FileHandlers::FileHandlers(NodeContext& context, FileCatalog& catalog, Poco::UInt64 maxUploadBytes, Ring ring):
	_context(context),
	_catalog(catalog),
	_maxUploadBytes(maxUploadBytes),
	_ring(std::move(ring))
{
}

void FileHandlers::addRoutes(Router& router)
{
	RouteOptions stream;
	stream.body = Body::Stream;
	router.add("POST", "/upload", [this](Request& rq, Response& rs) { upload(rq, rs); }, stream);
	router.add("GET", "/download/{name}", [this](Request& rq, Response& rs) { download(rq, rs, true); });
	router.add("PUT", "/files/{name}", [this](Request& rq, Response& rs) { put(rq, rs); }, stream);
	router.add("GET", "/files/{name}", [this](Request& rq, Response& rs) { download(rq, rs, false); });
	router.add("DELETE", "/files/{name}", [this](Request& rq, Response& rs) { remove(rq, rs); });
	router.add("GET", "/files", [this](Request& rq, Response& rs) { list(rq, rs); });
	if (!onRing()) return;

	RouteOptions peers;
	peers.access = Access::Peer;
	RouteOptions peerStream = stream;
	peerStream.access = Access::Peer;
	const std::string one = std::string(HttpFileTransfers::kFilePath) + "{name}";
	router.add("PUT", one, [this](Request& rq, Response& rs) { putReplica(rq, rs); }, peerStream);
	router.add("GET", one, [this](Request& rq, Response& rs) { getReplica(rq, rs); }, peers);
	router.add("DELETE", one, [this](Request& rq, Response& rs) { removeReplica(rq, rs); }, peers);
	router.add("GET", HttpFileTransfers::kFilesPath, [this](Request& rq, Response& rs) { listReplicas(rq, rs); }, peers);
}

std::vector<Owner> FileHandlers::ownersOf(const std::string& name) const
{
	if (!onRing()) return {};
	// The ring hashes the name with SHA-1, as for keys.
	return _ring.placement->preferenceList(name, _ring.replicas);
}

bool FileHandlers::ownedHere(const std::vector<Owner>& owners) const
{
	if (owners.empty()) return true;
	for (const auto& owner : owners)
		if (owner.id == _context.node().id) return true;
	return false;
}

bool FileHandlers::forwardedByNode(Request& request)
{
	return request.fromNode() && request.http().has(Forwarder::kForwardedByHeader);
}

void FileHandlers::checkDeclaredHash(Request& request, FileCatalog::Upload& upload)
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

void FileHandlers::checkDeclaredLength(Request& request) const
{
	auto& http = request.http();
	if (http.hasContentLength() && static_cast<Poco::UInt64>(http.getContentLength64()) > _maxUploadBytes)
		throw PayloadTooLargeException("the upload is " + std::to_string(http.getContentLength64()) +
		                               " bytes, more than filestore.max_upload_bytes (" + std::to_string(_maxUploadBytes) + ")");
}

void FileHandlers::receive(std::istream& body, FileCatalog::Upload& upload) const
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

void FileHandlers::answerStored(Response& response, const FileInfo& info, const std::vector<std::string>* holders)
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

void FileHandlers::answerDeleted(Response& response, const std::string& name)
{
	auto body = json::object();
	body->set("filename", name);
	body->set("status", "deleted");
	response.json(body);
}

void FileHandlers::upload(Request& request, Response& response)
{
	checkDeclaredLength(request);
	auto& http = request.http();
	const MultipartUpload multipart(http.getContentType(), _maxUploadBytes);
	std::unique_ptr<FileCatalog::Upload> upload;
	const std::string name = multipart.read(request.body(), http.hasContentLength() ? http.getContentLength64() : -1,
	                                        [&](const std::string&, std::istream& content) {
		                                        upload = _catalog.begin();
		                                        receive(content, *upload);
	                                        });
	finish(request, response, name, *upload);
}

void FileHandlers::put(Request& request, Response& response)
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
		_ring.relay->streamThrough(request, response, name, owners);
		return;
	}
	auto upload = _catalog.begin();
	receive(request.body(), *upload);
	if (upload->size() < static_cast<Poco::UInt64>(http.getContentLength64()))
		throw BadRequestException("the upload ended before its Content-Length");
	checkDeclaredHash(request, *upload);
	finish(request, response, name, *upload);
}

void FileHandlers::finish(Request& request, Response& response, const std::string& name, FileCatalog::Upload& upload)
{
	const auto owners = ownersOf(name);
	// An upload another node sent on is kept here, whatever this node's view
	// of the ring: two nodes whose views differ must not pass it back and forth.
	if (forwardedByNode(request) || ownedHere(owners))
	{
		const FileInfo info = upload.commit(name);
		const auto holders = replicate(info, owners);
		answerStored(response, info, owners.empty() ? nullptr : &holders);
		return;
	}
	// Not ours: the whole upload is here on disk, so it can go to each
	// owner in turn until one takes it.
	_ring.relay->sendReceived(response, name, upload, owners);
}

std::vector<std::string> FileHandlers::replicate(const FileInfo& info, const std::vector<Owner>& owners)
{
	std::vector<std::string> holders{_context.node().id};
	for (const auto& owner : owners)
	{
		if (owner.id == _context.node().id) continue;
		auto file = _catalog.open(info.name);
		if (!file) break; // replaced or deleted meanwhile: the newer request copies it
		try
		{
			if (_ring.remote->copy(owner, *file)) holders.push_back(owner.id);
		}
		catch (const Poco::Exception& exc)
		{
			_context.logger().warning("could not copy %s to %s: %s", info.name, owner.id, exc.message());
		}
	}
	return holders;
}

void FileHandlers::download(Request& request, Response& response, bool attachment)
{
	const std::string& name = request.param("name");
	FileName::validate(name);
	if (auto file = _catalog.open(name))
	{
		sendStoredFile(request, response, *file, attachment);
		return;
	}
	if (!onRing()) throw Poco::NotFoundException("file not found");
	_ring.relay->download(request, response, name, ownersOf(name), attachment);
}

void FileHandlers::list(Request&, Response& response)
{
	// name -> (newest description, nodes holding a copy)
	std::map<std::string, std::pair<FileInfo, std::vector<std::string>>> seen;
	for (const auto& info : _catalog.list()) seen[info.name] = {info, {_context.node().id}};
	if (onRing())
	{
		// Every other alive node's own copies: an operator's question, asked
		// of the whole network, so this costs a request per node.
		for (const auto& member : _context.membership().alive())
		{
			try
			{
				for (auto& info : _ring.remote->list(Owner{member.id, member.url}))
				{
					auto& entry = seen[info.name];
					if (entry.second.empty()) entry.first = std::move(info);
					entry.second.push_back(member.id);
				}
			}
			catch (const Poco::Exception& exc)
			{
				_context.logger().debug("listing %s's files failed: %s", member.id, exc.message());
			}
		}
	}
	Poco::JSON::Array::Ptr files = new Poco::JSON::Array;
	for (const auto& [name, entry] : seen)
	{
		if (name.empty()) continue;
		auto item = HttpFileTransfers::describe(entry.first);
		Poco::JSON::Array::Ptr nodes = new Poco::JSON::Array;
		for (const auto& id : entry.second) nodes->add(id);
		item->set("nodes", nodes);
		files->add(item);
	}
	response.json(filesBody(files));
}

void FileHandlers::remove(Request& request, Response& response)
{
	const std::string& name = request.param("name");
	FileName::validate(name);
	const Poco::Timestamp asked;
	bool found = _catalog.remove(name);
	for (const auto& owner : ownersOf(name))
	{
		if (owner.id == _context.node().id) continue;
		try
		{
			found = _ring.remote->remove(owner, name, asked) || found;
		}
		catch (const Poco::Exception& exc)
		{
			_context.logger().warning("could not delete %s on %s: %s", name, owner.id, exc.message());
		}
	}
	if (!found) throw Poco::NotFoundException("file not found");
	answerDeleted(response, name);
}

void FileHandlers::getReplica(Request& request, Response& response)
{
	const std::string& name = request.param("name");
	FileName::validate(name);
	auto file = _catalog.open(name);
	if (!file) throw Poco::NotFoundException("file not found");
	sendStoredFile(request, response, *file, false);
}

void FileHandlers::putReplica(Request& request, Response& response)
{
	const std::string& name = request.param("name");
	FileName::validate(name);
	checkDeclaredLength(request);
	auto upload = _catalog.begin();
	if (request.http().get(PeerClient::kBodyHashHeader, "").size() != 64)
		throw BadRequestException(std::string("a copy between nodes declares its SHA-256 in ") + PeerClient::kBodyHashHeader);
	receive(request.body(), *upload);
	auto& http = request.http();
	if (http.hasContentLength() && upload->size() < static_cast<Poco::UInt64>(http.getContentLength64()))
		throw BadRequestException("the copy ended before its Content-Length");
	checkDeclaredHash(request, *upload);
	answerStored(response, upload->commit(name, uploadedAt(request)));
}

namespace {

/// How far ahead of this node's clock a copy's upload time may be.
constexpr Poco::Int64 kMaxClockLeadMicroseconds = 3600LL * 1000 * 1000;

} // namespace

std::optional<Poco::Timestamp> FileHandlers::uploadedAt(Request& request)
{
	if (!request.hasQuery("uploaded")) return std::nullopt; // the version's first copy: stored now
	Poco::Int64 uploaded = 0;
	if (!Poco::NumberParser::tryParse64(request.query("uploaded"), uploaded) || uploaded <= 0)
		throw BadRequestException("?uploaded= must be the Unix time in µs when the version was first stored");
	// A time far ahead would outlive every later delete of the name.
	if (uploaded > Poco::Timestamp().epochMicroseconds() + kMaxClockLeadMicroseconds)
		throw BadRequestException("?uploaded= is more than an hour ahead of this node's clock");
	return Poco::Timestamp(uploaded);
}

void FileHandlers::removeReplica(Request& request, Response& response)
{
	const std::string& name = request.param("name");
	FileName::validate(name);
	Poco::Int64 storedBy = 0;
	if (!Poco::NumberParser::tryParse64(request.query("stored_by"), storedBy))
		throw BadRequestException("a replica delete says when the client asked for it: ?stored_by=<Unix time in µs>");
	switch (_catalog.removeStoredBy(name, Poco::Timestamp(storedBy)))
	{
	case FileCatalog::Removal::Missing:
		throw Poco::NotFoundException("file not found");
	case FileCatalog::Removal::Newer:
		throw ConflictException("the copy of " + name + " here was stored after this delete was asked for: it is kept");
	case FileCatalog::Removal::Removed:
		break;
	}
	answerDeleted(response, name);
}

void FileHandlers::listReplicas(Request&, Response& response)
{
	Poco::JSON::Array::Ptr files = new Poco::JSON::Array;
	for (const auto& info : _catalog.list()) files->add(HttpFileTransfers::describe(info));
	response.json(filesBody(files));
}

} // namespace p2p::filestore
