#include "KvHandlers.h"
#include "EntryCodec.h"
#include "KeyRules.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include "p2p/Membership.h"
#include "p2p/Metrics.h"
#include "p2p/NodeContext.h"
#include "p2p/Request.h"
#include "p2p/Response.h"
#include "p2p/Router.h"
#include <Poco/Timestamp.h>
#include <algorithm>

namespace p2p::kvstore {

namespace {

Poco::JSON::Object::Ptr keyAnswer(const std::string& key)
{
	auto body = json::object();
	body->set("key", key);
	return body;
}

/// A batch of replica entries may be this large: 512 KiB of values per
/// batch (Rebalancer), a value of up to http.max_body_bytes, JSON escaping.
constexpr std::streamsize kMaxBatchBytes = 16 * 1024 * 1024;

} // namespace

KvHandlers::KvHandlers(NodeContext& context, Store& store, Coordinator& coordinator, std::shared_ptr<Placement> placement,
                       std::shared_ptr<Forwarder> forwarder, Counter* forwarded):
	_context(context),
	_store(store),
	_coordinator(coordinator),
	_placement(std::move(placement)),
	_forwarder(std::move(forwarder)),
	_forwarded(forwarded)
{
}

void KvHandlers::addRoutes(Router& router)
{
	// The client routes start on the event loop: a key another node owns is
	// relayed from there without a thread waiting, a key read from this
	// node's copy alone is answered there, and the rest moves to a worker
	// (Request::moveToWorker) before it waits on other nodes or the disk.
	RouteOptions client;
	client.runs = Runs::Loop;
	RouteOptions json = client;
	json.body = Body::Json;
	router.add("POST", "/kv", [this](Request& rq, Response& rs) { post(rq, rs); }, json);
	router.add("GET", "/kv/{key}", [this](Request& rq, Response& rs) { get(rq, rs); }, client);
	router.add("PUT", "/kv/{key}", [this](Request& rq, Response& rs) { put(rq, rs); }, json);
	router.add("DELETE", "/kv/{key}", [this](Request& rq, Response& rs) { remove(rq, rs); }, client);
	if (!onRing()) return;
	json.runs = Runs::Worker;

	// A replica's copy is read from this node's store (its cache first) on
	// the loop; writes go to a worker, for the disk.
	RouteOptions peers;
	peers.access = Access::Peer;
	peers.runs = Runs::Loop;
	router.add("GET", "/internal/kv/{key}", [this](Request& rq, Response& rs) { getReplica(rq, rs); }, peers);
	// A value as large as /kv takes grows when it is escaped into an entry.
	RouteOptions batch = json;
	batch.maxBodyBytes = kMaxBatchBytes;
	batch.access = Access::Peer;
	router.add("PUT", "/internal/kv/{key}", [this](Request& rq, Response& rs) { putReplica(rq, rs); }, batch);
	router.add("POST", "/internal/kv", [this](Request& rq, Response& rs) { pushReplicas(rq, rs); }, batch);
}

Entry KvHandlers::stamp(bool deleted, std::string value) const
{
	// Strictly increasing on this node, so two writes in one microsecond, or
	// across a step back of the clock, still order as they were made.
	const Poco::Int64 now = Poco::Timestamp().epochMicroseconds();
	Poco::Int64 last = _lastStamp.load();
	Poco::Int64 next = 0;
	do
	{
		next = std::max(now, last + 1);
	} while (!_lastStamp.compare_exchange_weak(last, next));
	Entry entry;
	entry.value = std::move(value);
	entry.timestamp = next;
	entry.node = _context.node().id;
	entry.deleted = deleted;
	return entry;
}

std::optional<std::vector<Owner>> KvHandlers::coordinateOrForward(Request& request, Response& response,
                                                                     const std::string& key)
{
	const NodeIdentity& self = _context.node();
	if (!onRing()) return std::vector<Owner>{{self.id, self.advertisedUrl}};
	// A node that has not heard from the network yet sees only itself and
	// would take (and acknowledge) every key alone.
	if (!_context.membership().synced())
		throw ServiceUnavailableException("this node is still joining the network and does not know yet where keys live; "
		                                  "retry in a moment or ask another node");

	// Twice N: the owners, then as many stand-ins for owners that fail.
	const std::size_t n = _coordinator.settings().replicas;
	auto candidates = _placement->preferenceList(key, 2 * n);
	const auto owners = std::min(n, candidates.size());
	const auto end = candidates.begin() + static_cast<std::ptrdiff_t>(owners);
	if (std::any_of(candidates.begin(), end, [&](const Owner& owner) { return owner.id == self.id; })) return candidates;

	if (_forwarded) _forwarded->inc();
	_forwarder->forward(request, response, std::vector<Owner>(candidates.begin(), end));
	return std::nullopt;
}

void KvHandlers::store(Request& request, Response& response, const std::string& key, const Poco::Dynamic::Var& value)
{
	KeyRules::validate(key);
	const auto candidates = coordinateOrForward(request, response, key);
	if (!candidates) return;
	if (request.onLoop()) request.moveToWorker(); // a write waits for the disk and for W copies
	_coordinator.write(key, stamp(false, json::stringify(value)), *candidates);
	auto body = keyAnswer(key);
	body->set("status", "stored");
	body->set("value", value);
	response.json(body);
}

void KvHandlers::post(Request& request, Response& response)
{
	auto body = request.jsonObject();
	const std::string key = json::requireString(*body, "key");
	if (!body->has("value")) throw BadRequestException("field 'value' is required");
	store(request, response, key, body->get("value"));
}

void KvHandlers::put(Request& request, Response& response)
{
	store(request, response, request.param("key"), request.json());
}

std::optional<KvHandlers::Found> KvHandlers::readLive(Request& request, Response& response, const std::string& key)
{
	KeyRules::validate(key);
	auto candidates = coordinateOrForward(request, response, key);
	if (!candidates) return std::nullopt;
	if (request.onLoop() && (request.method() == "DELETE" || !_coordinator.readsLocally(*candidates)))
		request.moveToWorker(); // it waits for other nodes' copies, or writes
	auto entry = _coordinator.read(key, *candidates);
	if (!entry || entry->deleted) throw Poco::NotFoundException("key not found");
	return Found{std::move(*entry), std::move(*candidates)};
}

void KvHandlers::get(Request& request, Response& response)
{
	const std::string& key = request.param("key");
	const auto found = readLive(request, response, key);
	if (!found) return;
	auto body = keyAnswer(key);
	body->set("value", json::parse(found->entry.value));
	response.json(body);
}

void KvHandlers::remove(Request& request, Response& response)
{
	const std::string& key = request.param("key");
	const auto found = readLive(request, response, key);
	if (!found) return;
	// A tombstone, not an erase: it must win over older copies that a
	// replica which missed the delete would otherwise spread again.
	Entry tombstone = stamp(true);
	// Newer than what it deletes even when that came from a clock ahead of ours.
	if (!tombstone.newerThan(found->entry)) tombstone.timestamp = found->entry.timestamp + 1;
	_coordinator.write(key, tombstone, found->candidates);
	auto body = keyAnswer(key);
	body->set("status", "deleted");
	response.json(body);
}

void KvHandlers::getReplica(Request& request, Response& response)
{
	const std::string& key = request.param("key");
	KeyRules::validate(key);
	const auto entry = _store.get(key);
	if (!entry) throw Poco::NotFoundException("key not found");
	response.json(EntryCodec::toJson(key, *entry));
}

void KvHandlers::putReplica(Request& request, Response& response)
{
	const auto [key, entry] = EntryCodec::fromJson(*request.jsonObject());
	if (key != request.param("key")) throw BadRequestException("field 'key' differs from the key in the path");
	auto body = json::object();
	body->set("applied", _store.apply(key, entry));
	response.json(body);
}

void KvHandlers::pushReplicas(Request& request, Response& response)
{
	const auto list = request.jsonObject()->getArray("entries");
	if (!list) throw BadRequestException("field 'entries' must be a list of entries");
	// Check them all before applying any: a bad batch writes nothing.
	KeyedEntries entries;
	entries.reserve(list->size());
	for (std::size_t i = 0; i < list->size(); ++i)
	{
		const auto item = list->getObject(static_cast<unsigned>(i));
		if (!item) throw BadRequestException("entry " + std::to_string(i) + " is not an object");
		entries.push_back(EntryCodec::fromJson(*item));
	}
	std::size_t applied = 0;
	for (const auto& [key, entry] : entries) applied += _store.apply(key, entry) ? 1 : 0;
	auto body = json::object();
	body->set("received", entries.size());
	body->set("applied", applied);
	response.json(body);
}

} // namespace p2p::kvstore
