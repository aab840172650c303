#ifndef P2P_FileStore_FileTransfers_INCLUDED
#define P2P_FileStore_FileTransfers_INCLUDED

#include "FileCatalog.h"
#include "p2p/Placement.h"
#include <string>
#include <vector>

namespace p2p::filestore {

using Owner = Placement::Owner;

/// The copies of files that other nodes hold, as this node reaches them
/// (their /internal/files endpoints). Kept apart from HTTP so replication
/// and rebalancing can be tested without sockets. Implementations are
/// thread-safe; every call throws (BadGatewayException,
/// GatewayTimeoutException ...) when the node cannot be reached, with a
/// message that names it.
class FileTransfers
{
public:
	virtual ~FileTransfers();

	/// Whether owner has this version of the file (the same SHA-256).
	virtual bool holds(const Owner& owner, const FileInfo& info) = 0;

	/// Streams an open file to owner, declaring its SHA-256 for the owner to
	/// check; whether the owner stored it. The one way a copy travels, for
	/// an upload's replicas and for rebalancing alike.
	virtual bool copy(const Owner& owner, FileCatalog::OpenFile& file) = 0;

	/// Deletes owner's copy if it was stored by storedBy (when the client
	/// asked): whether it had one and removed it.
	virtual bool remove(const Owner& owner, const std::string& name, Poco::Timestamp storedBy) = 0;

	/// The files owner holds itself, sorted by name.
	virtual std::vector<FileInfo> list(const Owner& owner) = 0;
	/// Fetches owner's copy of info's version into catalog (the version's
	/// time kept), checking its SHA-256 against info's as it arrives:
	/// whether a whole, matching copy was stored. Stores nothing when a
	/// file of that name came meanwhile (FileCatalog::Upload::restore).
	virtual bool fetch(const Owner& owner, const FileInfo& info, FileCatalog& catalog) = 0;
};

} // namespace p2p::filestore

#endif
