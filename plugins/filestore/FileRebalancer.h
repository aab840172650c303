#ifndef P2P_FileStore_FileRebalancer_INCLUDED
#define P2P_FileStore_FileRebalancer_INCLUDED

#include "FileCatalog.h"
#include "p2p/PeerClient.h"
#include "p2p/Placement.h"
#include <atomic>
#include <memory>

namespace p2p::filestore {

/// Streams an open file from disk to owner's PUT /internal/files/<encoded>,
/// declaring its SHA-256 for the owner to check; whether the owner stored
/// it. Throws what PeerClient::stream throws. The one way a copy travels,
/// for the rebalancer and for an upload's replicas alike.
bool sendCopy(PeerClient& transfers, const Placement::Owner& owner, const std::string& encoded,
              FileCatalog::OpenFile& file);

/// Puts every file this node holds on the nodes that own it now, after the
/// ring changed: each owner that lacks the file, or has another version of
/// it (by SHA-256), gets a copy streamed from disk; a file this node no
/// longer owns is deleted here once all its owners have it. Runs on the
/// plugin's timer thread, one pass at a time; stop() ends a pass between
/// two files.
class FileRebalancer
{
public:
	struct Pass
	{
		std::size_t files = 0;
		std::size_t copied = 0;
		std::size_t handedOff = 0;
		std::size_t failed = 0;
	};

	FileRebalancer(FileCatalog& catalog, std::string selfId, PeerClient& transfers,
	               std::shared_ptr<const Placement> placement, std::size_t replicas);

	Pass run();
	void stop() { _stopped = true; }

private:
	/// Whether owner has this version of the file (HEAD and its ETag).
	bool holds(const Placement::Owner& owner, const FileInfo& info, const std::string& encoded);
	bool copy(const Placement::Owner& owner, const FileInfo& info, const std::string& encoded);

	FileCatalog& _catalog;
	const std::string _selfId;
	PeerClient& _transfers;
	const std::shared_ptr<const Placement> _placement;
	const std::size_t _replicas;
	std::atomic<bool> _stopped{false};
};

} // namespace p2p::filestore

#endif
