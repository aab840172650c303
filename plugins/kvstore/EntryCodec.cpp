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
	auto object = versionToJson(key, entry);
	object->set("value", entry.value);
	return object;
}

std::pair<std::string, Entry> EntryCodec::fromJson(const Poco::JSON::Object& object)
{
	auto result = versionFromJson(object);
	Entry& entry = result.second;
	entry.value = entry.deleted ? std::string() : json::requireString(object, "value");
	if (!entry.deleted) json::parse(entry.value); // a replica never stores what GET could not return
	return result;
}

Poco::JSON::Object::Ptr EntryCodec::versionToJson(const std::string& key, const Entry& entry)
{
	auto object = json::object();
	object->set("key", key);
	object->set("timestamp", entry.timestamp);
	object->set("node", entry.node);
	object->set("deleted", entry.deleted);
	return object;
}

std::pair<std::string, Entry> EntryCodec::versionFromJson(const Poco::JSON::Object& object)
{
	std::pair<std::string, Entry> result;
	auto& [key, entry] = result;
	key = json::requireString(object, "key");
	KeyRules::validate(key);
	entry.timestamp = json::requireInt(object, "timestamp");
	entry.node = json::requireString(object, "node");
	checkStamp(entry, "field");
	entry.deleted = object.optValue<bool>("deleted", false);
	return result;
}

void EntryCodec::checkStamp(const Entry& entry, const std::string& where)
{
	if (entry.timestamp <= 0) throw BadRequestException(where + " 'timestamp' must be positive");
	// A stamp far ahead would win over every later write to the key.
	if (entry.timestamp > Poco::Timestamp().epochMicroseconds() + kMaxClockLeadMicroseconds)
		throw BadRequestException(where + " 'timestamp' is more than an hour ahead of this node's clock");
	if (entry.node.empty() || entry.node.size() > 128 || entry.node.find_first_of(std::string(" \0", 2)) != std::string::npos)
		throw BadRequestException(where + " 'node' must be a node id");
}

std::string EntryCodec::stampText(const Entry& entry)
{
	return std::to_string(entry.timestamp) + ' ' + entry.node;
}

void EntryCodec::readStamp(const std::string& text, Entry& entry)
{
	const std::size_t space = text.find(' ');
	const std::string digits = text.substr(0, space);
	if (space == std::string::npos || digits.empty() || digits.size() > 18 ||
	    digits.find_first_not_of("0123456789") != std::string::npos)
		throw BadRequestException(std::string("header ") + kStampHeader + " must be '<microseconds> <node id>'");
	entry.timestamp = std::stoll(digits);
	entry.node = text.substr(space + 1);
	checkStamp(entry, std::string("header ") + kStampHeader);
}

} // namespace p2p::kvstore
