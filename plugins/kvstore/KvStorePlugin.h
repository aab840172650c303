#ifndef P2P_KvStore_KvStorePlugin_INCLUDED
#define P2P_KvStore_KvStorePlugin_INCLUDED

#include "Coordinator.h"
#include "KvHandlers.h"
#include "Rebalancer.h"
#include "TreeExchange.h"
#include "Store.h"
#include "p2p/Forwarder.h"
#include "p2p/Plugin.h"
#include "p2p/RebalanceTimer.h"
#include "p2p/Router.h"
#include <Poco/ThreadPool.h>
#include <memory>

namespace p2p {
class Counter;
}

namespace p2p::kvstore {

/// Key-value pairs with the seed's contract (POST /kv, GET /kv/{key}) plus
/// PUT and DELETE, values being any JSON value, kept in a Store (SQLite by
/// default, or memory).
///
/// Alone, a node keeps the keys written to it. With dht-router loaded, each
/// key lives on the kvstore.replicas nodes the ring names: a node that is
/// not among them forwards the request to them, one that is coordinates the
/// quorum read or write (Coordinator) over the /internal/kv endpoints, and a
/// background Rebalancer moves copies when the ring changes. The endpoints
/// are KvHandlers'; this class puts the parts together and runs the timer.
///
/// Handlers run on HTTP threads; the Store and Coordinator lock for
/// themselves; the rebalancing timer runs on its own thread.
class KvStorePlugin: public Plugin
{
public:
	std::string name() const override;
	std::string version() const override;
	std::vector<std::string> optionalDependencies() const override;
	void start(NodeContext& context) override;
	void stop() override;

private:
	void openStore();
	void startReplication();

	/// A rebalancing pass, on the timer's thread.
	void rebalance(bool afterChange);

	NodeContext* _context = nullptr;
	std::unique_ptr<Store> _store;
	/// GroupCommit's commits, and replica requests from the threads server;
	/// one idle thread (a machine may run a thousand nodes), more while they
	/// are needed.
	Poco::ThreadPool _pool{1, 64, 60};
	std::unique_ptr<GroupCommit> _writes;
	bool _commitsWait = false; ///< the store's commits wait for the disk (kvstore.sync = full)
	std::unique_ptr<Replicas> _replicas;
	std::unique_ptr<Coordinator> _coordinator;
	std::unique_ptr<KvHandlers> _handlers;

	// With dht-router only:
	std::shared_ptr<Placement> _placement;
	std::shared_ptr<Forwarder> _forwarder;
	std::unique_ptr<Rebalancer> _rebalancer;
	std::unique_ptr<TreeResponder> _responder; ///< the other side of fellow owners' rebalancing
	std::unique_ptr<RebalanceTimer> _timer;
	Poco::Timespan _antiEntropyInterval;
	Counter* _forwarded = nullptr;
	Counter* _passes = nullptr;
	Counter* _handedOff = nullptr;
	Counter* _copiesSent = nullptr;
	Counter* _received = nullptr;
	Counter* _syncBytes = nullptr;
	Counter* _differingLeaves = nullptr;
};

} // namespace p2p::kvstore

#endif
