#ifndef P2P_KvStore_KvHandlers_INCLUDED
#define P2P_KvStore_KvHandlers_INCLUDED

#include "Coordinator.h"
#include "Reply.h"
#include "Store.h"
#include "TreeExchange.h"
#include "p2p/Forwarder.h"
#include "p2p/Placement.h"
#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace p2p {
class Counter;
class NodeContext;
class Request;
class Response;
class Router;
} // namespace p2p

namespace p2p::kvstore {

/// kvstore's HTTP endpoints: the client API (POST /kv, GET, PUT and DELETE
/// /kv/{key}) and, on the ring, the replica API other nodes call
/// (/internal/kv). A key this node does not own goes to its owners through
/// the Forwarder; one it owns is read or written by quorum through the
/// Coordinator, and this node's copies are written through GroupCommit.
///
/// On the event-loop server every route but the batch one answers from
/// the loop and no thread waits: the quorum's answers arrive there, and
/// the disk is GroupCommit's. On the threads server the same handlers
/// wait. Everything they use locks for itself; stamps are taken lock-free.
class KvHandlers
{
public:
	/// placement, forwarder and forwarded are null without a ring (this node
	/// keeps every key it is sent). All must outlive the routes.
	KvHandlers(NodeContext& context, Store& store, GroupCommit& writes, Coordinator& coordinator,
	           std::shared_ptr<Placement> placement, std::shared_ptr<Forwarder> forwarder, Counter* forwarded,
	           TreeResponder* trees);

	void addRoutes(Router& router);

	/// A new version of a key made here: strictly newer than every stamp this
	/// node gave before, even across a step back of the clock.
	Entry stamp(bool deleted, std::string value = "") const;
	/// The version a client's write gets: the stamp the node that forwarded
	/// it gave (EntryCodec::kStampHeader, taken only from a node of the
	/// cluster), or a new one made here.
	Entry stampFor(Request& request, bool deleted, std::string value = "") const;

private:
	/// Keys are placed on the ring only with both of dht-router's services.
	bool onRing() const { return _placement && _forwarder; }

	void post(Request& request, Response& response);
	void get(Request& request, Response& response);
	void put(Request& request, Response& response);
	void remove(Request& request, Response& response);
	void store(Request& request, Response& response, const std::string& key, const Poco::Dynamic::Var& value);
	/// The key's candidates when this node owns key; otherwise forwards the
	/// request to its owners and returns nothing.
	std::optional<std::vector<Owner>> coordinateOrForward(Request& request, Response& response, const std::string& key);
	/// Reads the key's live version by quorum and gives it to then, or
	/// answers reply with NotFoundException for none or a tombstone.
	void readLive(const std::string& key, const std::vector<Owner>& candidates, const std::shared_ptr<Reply>& reply,
	              std::function<void(const Entry& live)> then);
	/// How long a handler on the threads server waits for its reply: a
	/// delete's read and write.
	Poco::Timespan patience() const { return Poco::Timespan(_coordinator.settings().timeout.totalMicroseconds() * 2); }

	// Replica endpoints, for other nodes only.
	void getReplica(Request& request, Response& response);
	void putReplica(Request& request, Response& response);
	void pushReplicas(Request& request, Response& response);
	void compareTrees(Request& request, Response& response);

	NodeContext& _context;
	Store& _store;
	GroupCommit& _writes;
	Coordinator& _coordinator;
	const std::shared_ptr<Placement> _placement;
	const std::shared_ptr<Forwarder> _forwarder;
	Counter* const _forwarded;
	TreeResponder* const _trees;
	mutable std::atomic<Poco::Int64> _lastStamp{0}; ///< the last timestamp stamp() gave
};

} // namespace p2p::kvstore

#endif
