#include "FileStorePlugin.h"
#include "p2p/Errors.h"
#include "p2p/Metrics.h"
#include "p2p/NodeContext.h"
#include "p2p/ServiceRegistry.h"
#include "p2p/Settings.h"
#include <Poco/Timestamp.h>

namespace p2p::filestore {

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
	if (limit <= 0) throw StartupException("property filestore.max_upload_bytes must be positive");
	const auto maxUploadBytes = static_cast<Poco::UInt64>(limit);
	_catalog = std::make_unique<FileCatalog>(context.dataDir());
	context.metrics().gauge("p2p_filestore_files", "Files stored on this node.", {},
	                        [catalog = _catalog.get()] { return static_cast<double>(catalog->count()); });
	context.metrics().gauge("p2p_filestore_uploads_in_progress", "Uploads being received now.", {},
	                        [catalog = _catalog.get()] { return static_cast<double>(catalog->pendingUploads()); });

	FileHandlers::Ring ring;
	if (auto placement = context.services().find<Placement>(Placement::kServiceName))
		ring = startReplication(std::move(placement));
	const auto& config = context.config();
	const int scrubMs = settings::getInt(config, name(), "scrub_interval_ms", 3600000, 0, 86400000 * 7);
	if (scrubMs > 0)
	{
		const int pace = settings::getInt(config, name(), "scrub_bytes_per_s", 32 << 20, 0, 1 << 30);
		_scrubber = std::make_unique<FileScrubber>(*_catalog, context.node().id, ring.remote, ring.placement, ring.replicas,
		                                           static_cast<Poco::UInt64>(pace));
		auto& metrics = context.metrics();
		_scrubbedBytes = &metrics.counter("p2p_filestore_scrubbed_bytes_total", "Bytes of stored files read back and hashed.");
		_damaged = &metrics.counter("p2p_filestore_damaged_copies_total",
		                            "Stored copies whose bytes no longer matched their SHA-256, dropped.");
		_healed = &metrics.counter("p2p_filestore_healed_copies_total", "Damaged copies fetched whole again from another owner.");
		_scrubTimer = std::make_unique<Poco::Timer>(scrubMs, scrubMs);
		_scrubTimer->start(Poco::TimerCallback<FileStorePlugin>(*this, &FileStorePlugin::scrub));
	}
	_handlers = std::make_unique<FileHandlers>(context, *_catalog, maxUploadBytes, ring);
	_handlers->addRoutes(context.router());
	context.logger().information("files are kept in %s, uploads up to %Lu bytes", context.dataDir(), maxUploadBytes);
}

FileHandlers::Ring FileStorePlugin::startReplication(std::shared_ptr<Placement> placement)
{
	auto& context = *_context;
	const auto& config = context.config();
	FileHandlers::Ring ring;
	ring.placement = placement;
	ring.replicas = static_cast<std::size_t>(settings::getInt(config, name(), "replicas", 2, 1, 16));
	PeerClient::Settings patient;
	patient.maxIdlePerPeer = 0;
	// Per socket operation: how long a peer may stay silent, not how long a
	// transfer may take.
	patient.requestTimeout = Poco::Timespan(
		settings::getInt(config, name(), "transfer_timeout_ms", 120000, 100, 3600000) * Poco::Timespan::MILLISECONDS);
	_transfers = std::make_unique<PeerClient>(patient, context.peers());
	_remote = std::make_unique<HttpFileTransfers>(*_transfers, context.peers());
	_relay = std::make_unique<OwnerRelay>(*_transfers, context.node().id);
	ring.remote = _remote.get();
	ring.relay = _relay.get();

	_rebalanceInterval = Poco::Timespan(
		settings::getInt(config, name(), "rebalance_interval_ms", 300000, 100, 86400000) * Poco::Timespan::MILLISECONDS);
	_rebalancer = std::make_unique<FileRebalancer>(*_catalog, context.node().id, *_remote, placement, ring.replicas);
	auto& metrics = context.metrics();
	_passes = &metrics.counter("p2p_filestore_rebalance_passes_total", "Passes that put every local file on its current owners.");
	_copiesSent = &metrics.counter("p2p_filestore_rebalance_copies_total", "Copies of files sent to owners that lacked them by rebalancing.");
	_handedOff = &metrics.counter("p2p_filestore_handoffs_total", "Files dropped here after the owners they belong to took them.");
	_timer = std::make_unique<RebalanceTimer>(context.membership(), RebalanceTimer::settle(), _rebalanceInterval,
	                                          [this](bool viewSettled) { rebalance(viewSettled); });
	_timer->start();
	context.logger().information("files are placed on the ring, %z copies of each", ring.replicas);
	return ring;
}

void FileStorePlugin::stop()
{
	if (_scrubTimer)
	{
		_scrubber->stop();
		_scrubTimer->stop(); // waits for a running scrub, which ends between two reads
	}
	if (_timer)
	{
		_rebalancer->stop();
		_timer->stop(); // waits for a running pass, which ends between two files
	}
	_catalog.reset();
}

void FileStorePlugin::scrub(Poco::Timer&)
{
	try
	{
		const Poco::Timestamp started;
		const auto pass = _scrubber->run();
		_scrubbedBytes->inc(pass.bytes);
		_damaged->inc(pass.damaged);
		_healed->inc(pass.healed);
		if (pass.damaged > 0)
			_context->logger().warning("scrubbed %z files (%Lu bytes) in %Ld ms: %z copies damaged and dropped, %z fetched again",
			                           pass.files, static_cast<Poco::UInt64>(pass.bytes),
			                           static_cast<Poco::Int64>(started.elapsed() / 1000), pass.damaged, pass.healed);
	}
	catch (const Poco::Exception& exc)
	{
		_context->logger().error("scrubbing files failed: %s", exc.displayText());
	}
}

void FileStorePlugin::rebalance(bool viewSettled)
{
	try
	{
		const Poco::Timestamp started;
		const auto pass = _rebalancer->run();
		_passes->inc();
		_copiesSent->inc(pass.copied);
		_handedOff->inc(pass.handedOff);
		if (pass.copied > 0 || pass.handedOff > 0 || pass.failed > 0 || viewSettled)
			_context->logger().information("rebalanced %z files in %Ld ms: %z copies sent, %z handed off, %z copies failed",
			                               pass.files, static_cast<Poco::Int64>(started.elapsed() / 1000), pass.copied,
			                               pass.handedOff, pass.failed);
	}
	catch (const Poco::Exception& exc)
	{
		_context->logger().error("rebalancing files failed, next try in %Ld ms: %s",
		                         static_cast<Poco::Int64>(_rebalanceInterval.totalMilliseconds()), exc.displayText());
	}
}

} // namespace p2p::filestore

P2P_EXPORT_PLUGIN(p2p::filestore::FileStorePlugin)
