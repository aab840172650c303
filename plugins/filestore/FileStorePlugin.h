#ifndef P2P_FileStore_FileStorePlugin_INCLUDED
#define P2P_FileStore_FileStorePlugin_INCLUDED

#include "FileCatalog.h"
#include "FileHandlers.h"
#include "FileRebalancer.h"
#include "FileScrubber.h"
#include <Poco/Timer.h>
#include "HttpFileTransfers.h"
#include "OwnerRelay.h"
#include "p2p/PeerClient.h"
#include "p2p/Plugin.h"
#include "p2p/RebalanceTimer.h"
#include <memory>

namespace p2p {
class Counter;
}

namespace p2p::filestore {

/// Files with the seed's contract (POST /upload as multipart field "file",
/// GET /download/{name}) plus PUT, GET, HEAD and DELETE /files/{name} and
/// GET /files, kept in a FileCatalog under the node's data directory. No
/// file is held in memory: uploads stream to disk, downloads from it.
///
/// Alone, a node keeps the files uploaded to it. With dht-router loaded, a
/// file lives on the filestore.replicas nodes the ring names for its name:
/// FileHandlers store what this node owns and copy it to the other owners
/// (HttpFileTransfers), the OwnerRelay sends the rest on to its owners, and
/// a FileRebalancer moves copies when the ring changes. This class reads
/// the settings, puts the parts together and runs the rebalancing timer,
/// which has a thread of its own.
class FileStorePlugin: public Plugin
{
public:
	std::string name() const override;
	std::string version() const override;
	std::vector<std::string> optionalDependencies() const override;
	void start(NodeContext& context) override;
	void stop() override;

private:
	/// The ring's parts, with dht-router loaded.
	FileHandlers::Ring startReplication(std::shared_ptr<Placement> placement);
	/// A rebalancing pass, on the timer's thread.
	void rebalance(bool viewSettled);
	/// A scrub of every file, on the scrub timer's thread.
	void scrub(Poco::Timer&);

	NodeContext* _context = nullptr;
	std::unique_ptr<FileCatalog> _catalog;
	std::unique_ptr<FileHandlers> _handlers;
	std::unique_ptr<FileScrubber> _scrubber;
	std::unique_ptr<Poco::Timer> _scrubTimer;
	Counter* _scrubbedBytes = nullptr;
	Counter* _damaged = nullptr;
	Counter* _healed = nullptr;

	// With dht-router only:
	/// For transfers between nodes: patient, since an owner answers a large
	/// upload only after it is on its disk and copied to the other owners.
	std::unique_ptr<PeerClient> _transfers;
	std::unique_ptr<HttpFileTransfers> _remote;
	std::unique_ptr<OwnerRelay> _relay;
	std::unique_ptr<FileRebalancer> _rebalancer;
	std::unique_ptr<RebalanceTimer> _timer;
	Poco::Timespan _rebalanceInterval;
	Counter* _passes = nullptr;
	Counter* _copiesSent = nullptr;
	Counter* _handedOff = nullptr;
};

} // namespace p2p::filestore

#endif
