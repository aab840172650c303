#ifndef P2P_FileStore_HttpFileTransfers_INCLUDED
#define P2P_FileStore_HttpFileTransfers_INCLUDED

#include "FileTransfers.h"
#include "p2p/PeerClient.h"
#include <Poco/JSON/Object.h>

namespace p2p::filestore {

/// FileTransfers over the other nodes' /internal/files endpoints. Copies
/// and version checks go through `bulk`, a client patient enough for a
/// large file and without idle connections (copies are rare, and many
/// nodes may copy to one); deletes and listings through the node's pooled
/// client. Stateless; safe on any thread.
class HttpFileTransfers: public FileTransfers
{
public:
	static constexpr const char* kFilesPath = "/internal/files";
	static constexpr const char* kFilePath = "/internal/files/"; ///< + FileName::encoded(name)

	HttpFileTransfers(PeerClient& bulk, PeerClient& pooled);

	bool holds(const Owner& owner, const FileInfo& info) override;
	bool copy(const Owner& owner, FileCatalog::OpenFile& file) override;
	bool remove(const Owner& owner, const std::string& name, Poco::Timestamp storedBy) override;
	std::vector<FileInfo> list(const Owner& owner) override;
	bool fetch(const Owner& owner, const FileInfo& info, FileCatalog& catalog) override;

	/// The JSON a listing describes a file with, and its reverse (a field
	/// missing or malformed is left at its default).
	static Poco::JSON::Object::Ptr describe(const FileInfo& info);
	static FileInfo parseDescription(const Poco::JSON::Object& item);

private:
	PeerClient& _bulk;
	PeerClient& _pooled;
};

} // namespace p2p::filestore

#endif
