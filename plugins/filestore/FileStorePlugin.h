#ifndef P2P_FileStore_FileStorePlugin_INCLUDED
#define P2P_FileStore_FileStorePlugin_INCLUDED

#include "FileCatalog.h"
#include "p2p/Plugin.h"
#include "p2p/Router.h"
#include <memory>

namespace p2p::filestore {

/// Files with the seed's contract (POST /upload as multipart field "file",
/// GET /download/{name}) plus PUT, GET, HEAD and DELETE /files/{name} and
/// GET /files. Uploads stream to a temporary file with their SHA-256
/// computed on the way and are renamed into place when complete; downloads
/// stream from disk with Content-Length, Content-Type, ETag (the SHA-256),
/// Last-Modified, Range and If-None-Match. No file is held in memory.
/// Handlers run on HTTP threads; the FileCatalog locks for itself.
class FileStorePlugin: public Plugin
{
public:
	std::string name() const override;
	std::string version() const override;
	void start(NodeContext& context) override;
	void stop() override;

private:
	void upload(Request& request, Response& response);
	void put(Request& request, Response& response);
	void download(Request& request, Response& response, bool attachment);
	void list(Request& request, Response& response);
	void remove(Request& request, Response& response);

	/// Copies body into upload, at most _maxUploadBytes (413 beyond).
	void receive(std::istream& body, FileCatalog::Upload& upload);
	/// Refuses a declared length over the limit before reading anything.
	void checkDeclaredLength(Request& request) const;
	void answerStored(Response& response, const FileInfo& info) const;

	NodeContext* _context = nullptr;
	std::unique_ptr<FileCatalog> _catalog;
	Poco::UInt64 _maxUploadBytes = 0;
};

} // namespace p2p::filestore

#endif
