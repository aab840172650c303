#ifndef P2P_Json_INCLUDED
#define P2P_Json_INCLUDED

#include "p2p/Export.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <string>

/// Helpers for reading request bodies and writing responses with POCO JSON.
/// Readers throw BadRequestException with a sentence naming the field, so a
/// handler can validate input in one line per field.
namespace p2p::json {

/// Parses text; throws BadRequestException("request body is not valid JSON: ...").
P2P_API Poco::Dynamic::Var parse(const std::string& text);

/// The value as an object; throws BadRequestException when it is anything else.
P2P_API Poco::JSON::Object::Ptr asObject(const Poco::Dynamic::Var& value);

/// The string field; throws BadRequestException when it is missing or not a string.
P2P_API std::string requireString(const Poco::JSON::Object& object, const std::string& field);

/// The integer field; throws BadRequestException when it is missing or not an integer.
P2P_API Poco::Int64 requireInt(const Poco::JSON::Object& object, const std::string& field);

/// A new object that keeps keys in insertion order, for readable responses.
P2P_API Poco::JSON::Object::Ptr object();

/// Compact JSON text of any value (object, array, string, number ...).
P2P_API std::string stringify(const Poco::Dynamic::Var& value);

} // namespace p2p::json

#endif
