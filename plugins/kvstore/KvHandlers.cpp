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
#include <Poco/NumberParser.h>
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

/// {"key":...,"value":...} with the stored value as it is: every value is
/// JSON checked on its way in (a PUT's body, EntryCodec for a replica's),
/// so a read need not parse it only to write it out again. What
/// keyAnswer() with the value set would print, at a fraction of the cost.
std::string keyValueAnswer(const std::string& key, const std::string& value)
{
	std::string text = "{\"key\":";
	text.append(json::stringify(key)).append(",\"value\":").append(value).append("}");
	return text;
}

/// A batch of replica entries may be this large: 512 KiB of values per
/// batch (Rebalancer), a value of up to http.max_body_bytes, JSON escaping.
constexpr std::streamsize kMaxBatchBytes = 16 * 1024 * 1024;

} // namespace

KvHandlers::KvHandlers(NodeContext& context, Store& store, GroupCommit& writes, Coordinator& coordinator,
                       std::shared_ptr<Placement> placement, std::shared_ptr<Forwarder> forwarder, Counter* forwarded,
                       TreeResponder* trees):
	_context(context),
	_store(store),
	_writes(writes),
	_coordinator(coordinator),
	_placement(std::move(placement)),
	_forwarder(std::move(forwarder)),
	_forwarded(forwarded),
	_trees(trees)
{
}

void KvHandlers::addRoutes(Router& router)
{
	// The client routes run on the event loop: a key another node owns is
	// relayed from there, and a quorum's answers come back there, so no
	// thread waits for the network; this node's copy is written by
	// GroupCommit's thread and read from the cache or SQLite's WAL.
	RouteOptions client;
	client.runs = Runs::Loop;
	RouteOptions json = client;
	json.body = Body::Json;
	router.add("POST", "/kv", [this](Request& rq, Response& rs) { post(rq, rs); }, json);
	router.add("GET", "/kv/{key}", [this](Request& rq, Response& rs) { get(rq, rs); }, client);
	router.add("PUT", "/kv/{key}", [this](Request& rq, Response& rs) { put(rq, rs); }, json);
	router.add("DELETE", "/kv/{key}", [this](Request& rq, Response& rs) { remove(rq, rs); }, client);
	if (!onRing()) return;

	RouteOptions peers;
	peers.access = Access::Peer;
	peers.runs = Runs::Loop;
	router.add("GET", "/internal/kv/{key}", [this](Request& rq, Response& rs) { getReplica(rq, rs); }, peers);
	// A value as large as /kv takes grows when it is escaped into an entry.
	RouteOptions entry = peers;
	entry.body = Body::Json;
	entry.maxBodyBytes = kMaxBatchBytes;
	router.add("PUT", "/internal/kv/{key}", [this](Request& rq, Response& rs) { putReplica(rq, rs); }, entry);
	// Batches: replica writes that came together (BatchedWrites) and
	// rebalancing's copies, committed together by GroupCommit.
	router.add("POST", "/internal/kv", [this](Request& rq, Response& rs) { pushReplicas(rq, rs); }, entry);
	if (!_trees) return;
	// Anti-entropy's comparisons scan the store: on a worker, never a loop.
	RouteOptions tree;
	tree.access = Access::Peer;
	tree.body = Body::Json;
	tree.maxBodyBytes = kMaxBatchBytes;
	router.add("POST", "/internal/kv/tree", [this](Request& rq, Response& rs) { compareTrees(rq, rs); }, tree);
}

void KvHandlers::compareTrees(Request& request, Response& response)
{
	response.json(_trees->answer(TreeQuestion::fromJson(*request.jsonObject())).toJson());
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

	const bool standIn = std::any_of(end, candidates.end(), [&](const Owner& owner) { return owner.id == self.id; });
	// Sent here by a node that took this one for an owner: the views of the
	// ring differ (a partition healing, nodes joining), and sent on again
	// the request could bounce until dht.max_hops refuses it. A stand-in
	// serves it at once, as a sloppy quorum would, and rebalancing moves the
	// copies where the settled ring wants them.
	unsigned hops = 0;
	if (standIn && request.fromNode() &&
	    Poco::NumberParser::tryParseUnsigned(request.http().get(Forwarder::kHopsHeader, "0"), hops) && hops > 0)
		return candidates;
	std::vector<Owner> targets(candidates.begin(), end); // forwarded, a request goes to the owners alone
	Forwarder::Options options;
	const std::string& method = request.method();
	if (method != "GET" && method != "HEAD")
	{
		// A write is stamped here, before it leaves: then the owners that
		// coordinate it (a hedged write reaches two when the first is slow)
		// store one version, and one that applies it late, after a pause,
		// cannot make it newer than writes the client made since.
		options.headers.emplace_back(EntryCodec::kStampHeader, EntryCodec::stampText(stampFor(request, false)));
		options.repeatable = true;
	}
	try
	{
		_forwarder->forward(request, response, targets, options);
	}
	catch (const LoopDetectedException&)
	{
		// Forwarded as often as dht.max_hops allows, through nodes that are
		// not even stand-ins here: views of the ring are far apart (a
		// partition healing). This node coordinates with the owners its own
		// view names rather than fail the request; rebalancing moves the
		// copies where the settled ring wants them.
		return candidates;
	}
	if (_forwarded) _forwarded->inc();
	return std::nullopt;
}

Entry KvHandlers::stampFor(Request& request, bool deleted, std::string value) const
{
	const std::string header = request.http().get(EntryCodec::kStampHeader, "");
	if (header.empty() || !request.fromNode()) return stamp(deleted, std::move(value));
	Entry entry;
	EntryCodec::readStamp(header, entry);
	entry.value = std::move(value);
	entry.deleted = deleted;
	return entry;
}

void KvHandlers::store(Request& request, Response& response, const std::string& key, const Poco::Dynamic::Var& value)
{
	KeyRules::validate(key);
	const auto candidates = coordinateOrForward(request, response, key);
	if (!candidates) return;
	auto body = keyAnswer(key);
	body->set("status", "stored");
	body->set("value", value);
	auto reply = Reply::to(response);
	_coordinator.write(key, stampFor(request, false, json::stringify(value)), *candidates, reply->loop(),
	                   [reply, body](const Poco::Exception* error) {
		                   if (error) return reply->fail(*error);
		                   reply->json(body);
	                   });
	reply->finish(response, patience());
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

void KvHandlers::readLive(const std::string& key, const std::vector<Owner>& candidates,
                          const std::shared_ptr<Reply>& reply, std::function<void(const Entry& live)> then)
{
	_coordinator.read(key, candidates, reply->loop(),
	                  [reply, then = std::move(then)](std::optional<Entry> newest, const Poco::Exception* error) {
		                  if (error) return reply->fail(*error);
		                  if (!newest || newest->deleted) return reply->fail(Poco::NotFoundException("key not found"));
		                  try
		                  {
			                  then(*newest);
		                  }
		                  catch (const Poco::Exception& exc)
		                  {
			                  reply->fail(exc);
		                  }
	                  });
}

void KvHandlers::get(Request& request, Response& response)
{
	const std::string& key = request.param("key");
	KeyRules::validate(key);
	const auto candidates = coordinateOrForward(request, response, key);
	if (!candidates) return;
	if (_coordinator.readsLocally(*candidates))
	{
		// This node's copy is the answer: no reason to defer it.
		const auto entry = _store.get(key);
		if (!entry || entry->deleted) throw Poco::NotFoundException("key not found");
		return response.send(keyValueAnswer(key, entry->value), "application/json");
	}
	auto reply = Reply::to(response);
	readLive(key, *candidates, reply,
	         [reply, key](const Entry& live) { reply->jsonText(keyValueAnswer(key, live.value)); });
	reply->finish(response, patience());
}

void KvHandlers::remove(Request& request, Response& response)
{
	const std::string& key = request.param("key");
	KeyRules::validate(key);
	const auto candidates = coordinateOrForward(request, response, key);
	if (!candidates) return;
	auto reply = Reply::to(response);
	readLive(key, *candidates, reply, [this, key, candidates = *candidates, reply, stamped = stampFor(request, true)](const Entry& live) {
		// A tombstone, not an erase: it must win over older copies that a
		// replica which missed the delete would otherwise spread again.
		Entry tombstone = stamped;
		// Newer than what it deletes even when that came from a clock ahead of ours.
		if (!tombstone.newerThan(live)) tombstone.timestamp = live.timestamp + 1;
		_coordinator.write(key, tombstone, candidates, reply->loop(), [reply, key](const Poco::Exception* error) {
			if (error) return reply->fail(*error);
			auto body = keyAnswer(key);
			body->set("status", "deleted");
			reply->json(body);
		});
	});
	reply->finish(response, patience());
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
	auto [key, entry] = EntryCodec::fromJson(*request.jsonObject());
	if (key != request.param("key")) throw BadRequestException("field 'key' differs from the key in the path");
	auto reply = Reply::to(response);
	_writes.apply(std::move(key), std::move(entry), [reply](bool applied, const Poco::Exception* error) {
		if (error) return reply->fail(*error);
		auto body = json::object();
		body->set("applied", applied);
		reply->json(body);
	});
	reply->finish(response, patience());
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
	const std::size_t received = entries.size();
	auto reply = Reply::to(response);
	_writes.applyAll(std::move(entries), [reply, received](std::size_t applied, const Poco::Exception* error) {
		if (error) return reply->fail(*error);
		auto body = json::object();
		body->set("received", received);
		body->set("applied", applied);
		reply->json(body);
	});
	reply->finish(response, patience());
}

} // namespace p2p::kvstore
