#ifndef P2P_FileStore_FileStorePlugin_INCLUDED
#define P2P_FileStore_FileStorePlugin_INCLUDED

#include "FileCatalog.h"
#include "FileRebalancer.h"
#include "p2p/PeerClient.h"
#include "p2p/Placement.h"
#include "p2p/Plugin.h"
#include "p2p/RebalanceTimer.h"
#include "p2p/Router.h"
#include <Poco/CountingStream.h>
#include <atomic>
#include <memory>

namespace p2p::filestore {

/// Files with the seed's contract (POST /upload as multipart field "file",
/// GET /download/{name}) plus PUT, GET, HEAD and DELETE /files/{name} and
/// GET /files. Uploads stream to a temporary file with their SHA-256
/// computed on the way and are renamed into place when complete; downloads
/// stream from disk with Content-Length, Content-Type, ETag (the SHA-256),
/// Last-Modified, Range and If-None-Match. No file is held in memory.
///
/// With dht-router loaded, a file lives on the filestore.replicas nodes
/// the ring names for its name: a node that is not among them receives an
/// upload into a temporary file (on disk, never whole in memory) and sends
/// it on to the first owner that takes it, which stores it and copies it to
/// the other owners; a download from any node is streamed from its own copy
/// or, failing that, from the first owner that has one.
/// Handlers run on HTTP threads; the FileCatalog locks for itself.
class FileStorePlugin: public Plugin
{
public:
	std::string name() const override;
	std::string version() const override;
	std::vector<std::string> optionalDependencies() const override;
	void start(NodeContext& context) override;
	void stop() override;

private:
	void upload(Request& request, Response& response);
	void put(Request& request, Response& response);
	void download(Request& request, Response& response, bool attachment);
	void list(Request& request, Response& response);
	void remove(Request& request, Response& response);

	// Replica endpoints (with dht-router), for other nodes: this node's own copies only.
	void putReplica(Request& request, Response& response);
	void removeReplica(Request& request, Response& response);
	void listReplicas(Request& request, Response& response);

	/// The owners of name on the ring, in preference order; empty without a ring.
	std::vector<Placement::Owner> ownersOf(const std::string& name) const;
	bool ownedHere(const std::vector<Placement::Owner>& owners) const;
	/// Another node sent this upload on (X-P2P-Forwarded-By), and proved it
	/// is one: a client cannot make a node keep a file it does not own.
	static bool forwardedByNode(Request& request);
	/// A node that declares the SHA-256 of what it sends (X-P2P-Body-SHA256)
	/// gets a 400 when the bytes hash to anything else.
	static void checkDeclaredHash(Request& request, FileCatalog::Upload& upload);
	/// A complete upload: stored here and copied to the other owners, or
	/// sent on to the owners when this node is not one of them.
	void finish(Request& request, Response& response, const std::string& name, FileCatalog::Upload& upload);
	/// Reads a part (or the epilogue) to its end, within the upload limit.
	void discard(std::istream& part, Poco::CountingInputStream& body) const;
	struct OwnerAnswer
	{
		int status = 0;
		std::string contentType;
		std::string body;
	};
	/// PUT /files/{name} of body to an owner, marked as forwarded, with its
	/// SHA-256 when known in advance; its answer.
	OwnerAnswer sendToOwner(const Placement::Owner& owner, const std::string& encodedName, std::istream& body,
	                        Poco::Int64 length, const std::string& sha256, bool* nothingSent);
	static void relayAnswer(Response& response, const Placement::Owner& owner, const OwnerAnswer& answer);
	/// PUT at a node that does not own the file: the body straight on to an owner.
	void streamThrough(Request& request, Response& response, const std::string& name,
	                   const std::vector<Placement::Owner>& owners);
	/// Copies the stored file to the other owners; returns the ids holding it.
	std::vector<std::string> replicate(const FileInfo& info, const std::vector<Placement::Owner>& owners);
	/// Streams the file from its own copy here, or returns false.
	bool serveLocal(Request& request, Response& response, const std::string& name, bool attachment);
	/// A rebalancing pass, on the timer's thread.
	void rebalance();
	/// Streams the file from the first owner that has it.
	void relay(Request& request, Response& response, const std::string& name, bool attachment);
	/// Copies body into upload, at most _maxUploadBytes (413 beyond).
	void receive(std::istream& body, FileCatalog::Upload& upload);
	/// Refuses a declared length over the limit before reading anything.
	void checkDeclaredLength(Request& request) const;
	/// {"filename", "status": "uploaded", "size", "sha256"} and, on the ring, the nodes holding it.
	void answerStored(Response& response, const FileInfo& info, const std::vector<std::string>* holders = nullptr) const;
	static void answerDeleted(Response& response, const std::string& name);

	NodeContext* _context = nullptr;
	std::unique_ptr<FileCatalog> _catalog;
	Poco::UInt64 _maxUploadBytes = 0;
	std::shared_ptr<Placement> _placement; ///< null without dht-router
	/// For transfers between nodes: patient, since an owner answers a large
	/// upload only after it is on its disk and copied to the other owners.
	std::unique_ptr<PeerClient> _transfers;
	std::unique_ptr<FileRebalancer> _rebalancer;
	std::unique_ptr<RebalanceTimer> _timer;
	Poco::Timespan _rebalanceInterval;
	std::size_t _replicas = 2;
};

} // namespace p2p::filestore

#endif
