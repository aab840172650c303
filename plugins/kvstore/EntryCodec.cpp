#include "EntryCodec.h"
#include "KeyRules.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include <Poco/Timestamp.h>

namespace p2p::kvstore {

namespace {

constexpr Poco::Int64 kMaxClockLeadMicroseconds = 3600LL * 1000 * 1000;

} // namespace

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
	// A stamp far ahead would win over every later write to the key.
	if (entry.timestamp > Poco::Timestamp().epochMicroseconds() + kMaxClockLeadMicroseconds)
		throw BadRequestException("field 'timestamp' is more than an hour ahead of this node's clock");
	entry.node = json::requireString(object, "node");
	if (entry.node.empty() || entry.node.find('\0') != std::string::npos)
		throw BadRequestException("field 'node' must be a node id");
	entry.deleted = object.optValue<bool>("deleted", false);
	entry.value = entry.deleted ? std::string() : json::requireString(object, "value");
	if (!entry.deleted) json::parse(entry.value); // a replica never stores what GET could not return
	return result;
}

} // namespace p2p::kvstore
