#include "EntryCodec.h"
#include "KeyRules.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"

namespace p2p::kvstore {

Poco::JSON::Object::Ptr EntryCodec::toJson(const std::string& key, const Entry& entry)
{
	auto object = json::object();
	object->set("key", key);
	object->set("value", entry.value);
	object->set("timestamp", entry.timestamp);
	object->set("node", entry.node);
	object->set("deleted", entry.deleted);
	return object;
}

std::pair<std::string, Entry> EntryCodec::fromJson(const Poco::JSON::Object& object)
{
	std::pair<std::string, Entry> result;
	auto& [key, entry] = result;
	key = json::requireString(object, "key");
	KeyRules::validate(key);
	entry.timestamp = json::requireInt(object, "timestamp");
	if (entry.timestamp <= 0) throw BadRequestException("field 'timestamp' must be positive");
	entry.node = json::requireString(object, "node");
	if (entry.node.empty()) throw BadRequestException("field 'node' must not be empty");
	entry.deleted = object.optValue<bool>("deleted", false);
	entry.value = entry.deleted ? std::string() : json::requireString(object, "value");
	if (!entry.deleted) json::parse(entry.value); // a replica never stores what GET could not return
	return result;
}

} // namespace p2p::kvstore
