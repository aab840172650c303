#ifndef P2P_FileStore_FileRebalancer_INCLUDED
#define P2P_FileStore_FileRebalancer_INCLUDED

#include "FileCatalog.h"
#include "FileTransfers.h"
#include <atomic>
#include <memory>

namespace p2p::filestore {

/// Puts every file this node holds on the nodes that own it now, after the
/// ring changed: each owner that lacks the file, or has another version of
/// it (by SHA-256), gets a copy streamed from disk; a file this node no
/// longer owns is deleted here once all its owners have it.
///
/// File by file, unlike kvstore's Rebalancer, which batches keys by owner:
/// a file is asked about (a HEAD) before it is sent, since sending a large
/// file an owner already has costs far more than a key's copy does.
/// Runs on the plugin's timer thread, one pass at a time; stop() from any
/// thread ends a pass between two files.
class FileRebalancer
{
public:
	struct Pass
	{
		std::size_t files = 0;     ///< local files looked at
		std::size_t copied = 0;    ///< copies sent to owners that lacked them
		std::size_t handedOff = 0; ///< files dropped here after their owners took them
		std::size_t failed = 0;    ///< checks or copies that failed (an owner down ...)
	};

	/// replicas: the owners of each file.
	FileRebalancer(FileCatalog& catalog, std::string selfId, FileTransfers& remote,
	               std::shared_ptr<const Placement> placement, std::size_t replicas);

	/// One pass over every local file. A file whose owners could not all be
	/// given it is kept here until a later pass.
	Pass run();
	void stop() { _stopped = true; }

private:
	/// Sends the version info names, unless it was replaced meanwhile.
	bool copy(const Owner& owner, const FileInfo& info);

	FileCatalog& _catalog;
	const std::string _selfId;
	FileTransfers& _remote;
	const std::shared_ptr<const Placement> _placement;
	const std::size_t _replicas;
	std::atomic<bool> _stopped{false};
};

} // namespace p2p::filestore

#endif
