#include "KvStorePlugin.h"
#include "CachedStore.h"
#include "MemoryStore.h"
#include "SqliteStore.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include "p2p/Metrics.h"
#include "p2p/NodeContext.h"
#include "p2p/Placement.h"
#include "p2p/ServiceRegistry.h"
#include "p2p/Settings.h"
#include <Poco/Path.h>
#include <Poco/TextIterator.h>
#include <Poco/Timestamp.h>
#include <Poco/UTF8Encoding.h>

namespace p2p::kvstore {

namespace {

constexpr std::size_t kMaxKeyBytes = 1024;

Poco::JSON::Object::Ptr keyAnswer(const std::string& key)
{
	auto body = json::object();
	body->set("key", key);
	return body;
}

} // namespace

std::string KvStorePlugin::name() const
{
	return "kvstore";
}

std::string KvStorePlugin::version() const
{
	return "0.1.0";
}

void KvStorePlugin::validateKey(const std::string& key)
{
	if (key.empty()) throw BadRequestException("field 'key' must not be empty");
	if (key.size() > kMaxKeyBytes) throw BadRequestException("key is longer than " + std::to_string(kMaxKeyBytes) + " bytes");
	Poco::UTF8Encoding utf8;
	Poco::TextIterator it(key, utf8);
	Poco::TextIterator end(key);
	for (; it != end; ++it)
	{
		if (*it < 0) throw BadRequestException("key is not valid UTF-8");
	}
}

void KvStorePlugin::start(NodeContext& context)
{
	_context = &context;
	const std::string backend = context.config().getString("backend", "sqlite");
	if (backend == "memory")
	{
		_store = std::make_unique<MemoryStore>();
	}
	else if (backend == "sqlite")
	{
		const std::string file = Poco::Path(context.dataDir()).setFileName("kv.sqlite").toString();
		const int cacheEntries = settings::getInt(context.config(), name(), "cache_entries", 10000, 0, 100000000);
		_store = std::make_unique<CachedStore>(std::make_unique<SqliteStore>(file), static_cast<std::size_t>(cacheEntries));
		context.logger().information("keys are kept in %s, the %d most recently used also in memory", file, cacheEntries);
	}
	else
	{
		throw Poco::InvalidArgumentException("property kvstore.backend must be sqlite or memory, not '" + backend + "'");
	}
	if (context.services().find<Placement>(Placement::kServiceName))
	{
		context.logger().warning("dht-router is loaded, but replication over the ring is not built yet: keys stay on the node that receives them");
	}

	context.metrics().gauge("p2p_kvstore_keys", "Keys with a live value on this node.", {},
	                        [store = _store.get()] { return static_cast<double>(store->size()); });

	RouteOptions json;
	json.body = Body::Json;
	context.router().add("POST", "/kv", [this](Request& rq, Response& rs) { post(rq, rs); }, json);
	context.router().add("GET", "/kv/{key}", [this](Request& rq, Response& rs) { get(rq, rs); });
	context.router().add("PUT", "/kv/{key}", [this](Request& rq, Response& rs) { put(rq, rs); }, json);
	context.router().add("DELETE", "/kv/{key}", [this](Request& rq, Response& rs) { remove(rq, rs); });
}

void KvStorePlugin::stop()
{
	_store.reset(); // closes the database
}

Entry KvStorePlugin::stamp(bool deleted, std::string value) const
{
	Entry entry;
	entry.value = std::move(value);
	entry.timestamp = Poco::Timestamp().epochMicroseconds();
	entry.node = _context->node().id;
	entry.deleted = deleted;
	return entry;
}

void KvStorePlugin::store(const std::string& key, const Poco::Dynamic::Var& value, Response& response)
{
	validateKey(key);
	_store->apply(key, stamp(false, json::stringify(value)));
	auto body = keyAnswer(key);
	body->set("status", "stored");
	body->set("value", value);
	response.json(body);
}

void KvStorePlugin::post(Request& request, Response& response)
{
	auto body = request.jsonObject();
	const std::string key = json::requireString(*body, "key");
	if (!body->has("value")) throw BadRequestException("field 'value' is required");
	store(key, body->get("value"), response);
}

void KvStorePlugin::put(Request& request, Response& response)
{
	store(request.param("key"), request.json(), response);
}

void KvStorePlugin::get(Request& request, Response& response)
{
	const std::string& key = request.param("key");
	validateKey(key);
	const auto entry = _store->get(key);
	if (!entry || entry->deleted) throw Poco::NotFoundException("key not found");
	auto body = keyAnswer(key);
	body->set("value", json::parse(entry->value));
	response.json(body);
}

void KvStorePlugin::remove(Request& request, Response& response)
{
	const std::string& key = request.param("key");
	validateKey(key);
	const auto entry = _store->get(key);
	if (!entry || entry->deleted) throw Poco::NotFoundException("key not found");
	_store->apply(key, stamp(true));
	auto body = keyAnswer(key);
	body->set("status", "deleted");
	response.json(body);
}

} // namespace p2p::kvstore

P2P_EXPORT_PLUGIN(p2p::kvstore::KvStorePlugin)
