#ifndef P2P_FileStore_FileHandlers_INCLUDED
#define P2P_FileStore_FileHandlers_INCLUDED

#include "FileCatalog.h"
#include "FileTransfers.h"
#include "OwnerRelay.h"
#include <Poco/JSON/Object.h>
#include <memory>
#include <string>
#include <vector>

namespace p2p {
class NodeContext;
class Request;
class Response;
class Router;
} // namespace p2p

namespace p2p::filestore {

/// filestore's HTTP endpoints: the seed's POST /upload and GET
/// /download/{name}, PUT, GET, HEAD and DELETE /files/{name}, GET /files
/// and, on the ring, the replica API other nodes call (/internal/files).
///
/// An upload streams into the FileCatalog (a temporary file, renamed into
/// place when complete), within filestore.max_upload_bytes. On the ring, a
/// file this node owns is stored and copied to the other owners through
/// FileTransfers before the answer; one it does not own goes to its owners
/// through the OwnerRelay, and so does a download of a file this node has
/// no copy of. Handlers run on HTTP threads; everything they use locks for
/// itself.
class FileHandlers
{
public:
	struct Ring
	{
		std::shared_ptr<const Placement> placement;
		std::size_t replicas = 2;
		FileTransfers* remote = nullptr;
		OwnerRelay* relay = nullptr;
	};

	/// ring: empty (all null) without dht-router, when this node keeps
	/// every file it is sent. Everything must outlive the routes.
	FileHandlers(NodeContext& context, FileCatalog& catalog, Poco::UInt64 maxUploadBytes, Ring ring);

	void addRoutes(Router& router);

private:
	bool onRing() const { return _ring.placement != nullptr; }

	void upload(Request& request, Response& response);
	void put(Request& request, Response& response);
	void download(Request& request, Response& response, bool attachment);
	void list(Request& request, Response& response);
	void remove(Request& request, Response& response);

	// Replica endpoints, for other nodes: this node's own copies only.
	void getReplica(Request& request, Response& response);
	void putReplica(Request& request, Response& response);
	void removeReplica(Request& request, Response& response);
	void listReplicas(Request& request, Response& response);

	/// The owners of name on the ring, in preference order; empty without a ring.
	std::vector<Owner> ownersOf(const std::string& name) const;
	bool ownedHere(const std::vector<Owner>& owners) const;
	/// Another node sent this upload on (X-P2P-Forwarded-By), and proved it
	/// is one: a client cannot make a node keep a file it does not own.
	static bool forwardedByNode(Request& request);
	/// A node that declares the SHA-256 of what it sends (X-P2P-Body-SHA256)
	/// gets a 400 when the bytes hash to anything else.
	static void checkDeclaredHash(Request& request, FileCatalog::Upload& upload);
	/// A copy's ?uploaded=: when its version was first stored.
	static std::optional<Poco::Timestamp> uploadedAt(Request& request);
	/// Refuses a declared length over the limit before reading anything.
	void checkDeclaredLength(Request& request) const;
	/// Copies body into upload, at most the limit (413 beyond).
	void receive(std::istream& body, FileCatalog::Upload& upload) const;
	/// A complete upload: stored here and copied to the other owners, or
	/// sent on to the owners when this node is not one of them.
	void finish(Request& request, Response& response, const std::string& name, FileCatalog::Upload& upload);
	/// Copies the stored file to the other owners; returns the ids holding it.
	std::vector<std::string> replicate(const FileInfo& info, const std::vector<Owner>& owners);
	/// {"filename", "status": "uploaded", "size", "sha256"} and, on the ring, the nodes holding it.
	static void answerStored(Response& response, const FileInfo& info, const std::vector<std::string>* holders = nullptr);
	static void answerDeleted(Response& response, const std::string& name);

	NodeContext& _context;
	FileCatalog& _catalog;
	const Poco::UInt64 _maxUploadBytes;
	const Ring _ring;
};

} // namespace p2p::filestore

#endif
