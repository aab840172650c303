#include "KvStorePlugin.h"
#include "CachedStore.h"
#include "HttpReplicas.h"
#include "MemoryStore.h"
#include "SqliteStore.h"
#include "p2p/Errors.h"
#include "p2p/Membership.h"
#include "p2p/Metrics.h"
#include "p2p/NodeContext.h"
#include "p2p/ServiceRegistry.h"
#include "p2p/Settings.h"
#include <Poco/Path.h>
#include <Poco/Timestamp.h>

namespace p2p::kvstore {

std::string KvStorePlugin::name() const
{
	return "kvstore";
}

std::string KvStorePlugin::version() const
{
	return "0.2.0";
}

std::vector<std::string> KvStorePlugin::optionalDependencies() const
{
	return {"dht-router"};
}

void KvStorePlugin::start(NodeContext& context)
{
	_context = &context;
	openStore();
	context.metrics().gauge("p2p_kvstore_keys", "Keys with a live value on this node.", {},
	                        [store = _store.get()] { return static_cast<double>(store->size()); });
	context.metrics().counted("p2p_kvstore_corrupt_entries_total",
	                        "Stored entries whose checksum did not match, dropped so that a fellow owner's copy replaces them.",
	                        {}, [store = _store.get()] { return static_cast<double>(store->corruptEntries()); });
	_writes = std::make_unique<GroupCommit>(*_store, _pool,
	                                        _commitsWait ? GroupCommit::Commits::OnPool : GroupCommit::Commits::OnCaller);
	context.metrics().counted("p2p_kvstore_commits_total", "Transactions that wrote this node's copies (GroupCommit).", {},
	                        [writes = _writes.get()] { return static_cast<double>(writes->commits()); });
	context.metrics().counted("p2p_kvstore_committed_writes_total", "Writes of this node's copies, over all its transactions.",
	                        {}, [writes = _writes.get()] { return static_cast<double>(writes->writes()); });
	_replicas = std::make_unique<HttpReplicas>(context.peers(), _pool);

	_placement = context.services().find<Placement>(Placement::kServiceName);
	_forwarder = context.services().find<Forwarder>(Forwarder::kServiceName);
	if (_placement && _forwarder)
	{
		startReplication();
	}
	else
	{
		// Alone, this node is the one replica of every key it is sent.
		_coordinator = std::make_unique<Coordinator>(*_store, *_writes, context.node().id, *_replicas, QuorumSettings{1, 1, 1});
		context.logger().information("no dht-router loaded: keys stay on the node that receives them");
	}
	_handlers = std::make_unique<KvHandlers>(context, *_store, *_writes, *_coordinator, _placement, _forwarder, _forwarded,
	                                         _responder.get());
	_handlers->addRoutes(context.router());
}

void KvStorePlugin::openStore()
{
	const auto& config = _context->config();
	const std::string backend = config.getString("backend", "sqlite");
	if (backend == "memory")
	{
		_store = std::make_unique<MemoryStore>();
	}
	else if (backend == "sqlite")
	{
		const std::string file = Poco::Path(_context->dataDir()).setFileName("kv.sqlite").toString();
		const int cacheEntries = settings::getInt(config, name(), "cache_entries", 10000, 0, 100000000);
		const std::string sync = config.getString("sync", "normal");
		if (sync != "normal" && sync != "full")
			throw StartupException("property kvstore.sync must be normal or full, not '" + sync + "'");
		const int maxMib = settings::getInt(config, name(), "max_mib", 0, 0, 1 << 24);
		auto sqlite = std::make_unique<SqliteStore>(file, sync == "full" ? SqliteStore::Sync::Full : SqliteStore::Sync::Normal,
		                                            &_pool, static_cast<Poco::Int64>(maxMib) << 20);
		_commitsWait = !sqlite->commitsWithoutWaiting();
		_store = std::make_unique<CachedStore>(std::move(sqlite), static_cast<std::size_t>(cacheEntries));
		_context->logger().information("keys are kept in %s (sync=%s), the %d most recently used also in memory", file,
		                               sync, cacheEntries);
	}
	else
	{
		throw StartupException("property kvstore.backend must be sqlite or memory, not '" + backend + "'");
	}
}

void KvStorePlugin::startReplication()
{
	auto& context = *_context;
	const auto& config = context.config();
	QuorumSettings quorum;
	quorum.replicas = static_cast<std::size_t>(settings::getInt(config, name(), "replicas", 3, 1, 64));
	quorum.writeQuorum = static_cast<std::size_t>(settings::getInt(config, name(), "write_quorum", 2, 1, 64));
	quorum.readQuorum = static_cast<std::size_t>(settings::getInt(config, name(), "read_quorum", 2, 1, 64));
	if (quorum.writeQuorum > quorum.replicas || quorum.readQuorum > quorum.replicas)
		throw StartupException("properties kvstore.write_quorum (" + std::to_string(quorum.writeQuorum) +
		                       ") and kvstore.read_quorum (" + std::to_string(quorum.readQuorum) +
		                       ") must not exceed kvstore.replicas (" + std::to_string(quorum.replicas) + ")");
	quorum.timeout = Poco::Timespan(
		settings::getInt(config, name(), "quorum_timeout_ms", 3000, 10, 600000) * Poco::Timespan::MILLISECONDS);
	_antiEntropyInterval = Poco::Timespan(
		settings::getInt(config, name(), "anti_entropy_interval_ms", 60000, 100, 24 * 3600 * 1000) *
		Poco::Timespan::MILLISECONDS);

	_coordinator = std::make_unique<Coordinator>(*_store, *_writes, context.node().id, *_replicas, quorum);
	_rebalancer = std::make_unique<Rebalancer>(*_store, context.node().id, *_replicas, _placement, quorum.replicas);
	_responder = std::make_unique<TreeResponder>(_rebalancer->sharedKeys(), *_store);

	auto& metrics = context.metrics();
	_forwarded = &metrics.counter("p2p_kvstore_forwarded_total", "Requests for keys this node does not own, sent on to their owners.");
	_passes = &metrics.counter("p2p_kvstore_rebalance_passes_total", "Passes that put every local key on its current owners.");
	_copiesSent = &metrics.counter("p2p_kvstore_rebalance_copies_total", "Copies of keys sent to their other owners by rebalancing.");
	_handedOff = &metrics.counter("p2p_kvstore_handoffs_total", "Keys dropped here after the owners they belong to took them.");
	_received = &metrics.counter("p2p_kvstore_rebalance_received_total",
	                             "Newer versions taken from fellow owners when their trees differed.");
	_syncBytes = &metrics.counter("p2p_kvstore_rebalance_bytes_total",
	                              "Bytes rebalancing moved, both ways: tree comparisons, and the copies they found missing.");
	_differingLeaves = &metrics.counter("p2p_kvstore_rebalance_differing_leaves_total",
	                                    "Leaves of the Merkle trees that differed from a fellow owner's.");
	metrics.counted("p2p_kvstore_read_repairs_total", "Owners sent a newer version after a read found theirs stale.", {},
	              [c = _coordinator.get()] { return static_cast<double>(c->readRepairs()); });
	metrics.counted("p2p_kvstore_stand_ins_total", "Reads and writes a stand-in node served because an owner failed.", {},
	              [c = _coordinator.get()] { return static_cast<double>(c->standIns()); });
	metrics.counted("p2p_kvstore_hedges_total", "Stand-ins asked because the owners were slow to answer a read or write.", {},
	              [c = _coordinator.get()] { return static_cast<double>(c->hedges()); });

	_timer = std::make_unique<RebalanceTimer>(context.membership(), RebalanceTimer::settle(), _antiEntropyInterval,
	                                          [this](bool afterChange) { rebalance(afterChange); });
	_timer->start();
	context.logger().information("replicating over the ring: %z copies of each key, writes wait for %z, reads for %z",
	                             quorum.replicas, quorum.writeQuorum, quorum.readQuorum);
}

void KvStorePlugin::rebalance(bool viewSettled)
{
	try
	{
		const Poco::Timestamp started;
		const auto pass = _rebalancer->run();
		_passes->inc();
		_copiesSent->inc(pass.sent);
		_handedOff->inc(pass.handedOff);
		_received->inc(pass.received);
		_syncBytes->inc(pass.bytes);
		_differingLeaves->inc(pass.differingLeaves);
		if (pass.handedOff > 0 || pass.failedNodes > 0 || pass.differingLeaves > 0 || viewSettled)
			_context->logger().information("rebalanced %z keys in %Ld ms: trees compared with %z owners, %z leaves differed, "
			                               "%z copies sent, %z newer taken, %z handed off, %Lu bytes, %z nodes unreachable",
			                               pass.entries, static_cast<Poco::Int64>(started.elapsed() / 1000), pass.compared,
			                               pass.differingLeaves, pass.sent, pass.received, pass.handedOff,
			                               static_cast<Poco::UInt64>(pass.bytes), pass.failedNodes);
	}
	catch (const Poco::Exception& exc)
	{
		_context->logger().error("rebalancing failed, next try in %Ld ms: %s",
		                         static_cast<Poco::Int64>(_antiEntropyInterval.totalMilliseconds()), exc.displayText());
	}
}

void KvStorePlugin::stop()
{
	if (_timer)
	{
		_rebalancer->stop();
		_timer->stop(); // waits for a running pass, which stops between batches
	}
	if (_coordinator) _coordinator->drain(); // writes beyond the quorum and read repairs
	if (_writes) _writes->drain();
	_pool.joinAll();
	_store.reset(); // closes the database
}

} // namespace p2p::kvstore

P2P_EXPORT_PLUGIN(p2p::kvstore::KvStorePlugin)
