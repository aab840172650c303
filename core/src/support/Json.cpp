#include "p2p/Json.h"
#include "p2p/Errors.h"
#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <sstream>

namespace p2p::json {

Poco::Dynamic::Var parse(const std::string& text)
{
	try
	{
		// POCO 1.11 parses only objects and arrays at the top level; RFC 8259
		// allows any value, so a scalar is parsed as the one element of an
		// array (the parser still rejects anything after the closing bracket).
		const auto first = text.find_first_not_of(" \t\r\n");
		const bool container = first != std::string::npos && (text[first] == '{' || text[first] == '[');
		if (container || first == std::string::npos) return Poco::JSON::Parser().parse(text);
		auto wrapped = Poco::JSON::Parser().parse("[" + text + "]").extract<Poco::JSON::Array::Ptr>();
		// "1,2" wraps into two elements: more than one value, not JSON.
		if (wrapped->size() != 1) throw Poco::JSON::JSONException("more than one value");
		return wrapped->get(0);
	}
	catch (const Poco::Exception& exc)
	{
		// POCO's parser reports JSONException or SyntaxException with a
		// position; both are the client's fault, never ours.
		throw BadRequestException("request body is not valid JSON: " + exc.message());
	}
}

Poco::JSON::Object::Ptr asObject(const Poco::Dynamic::Var& value)
{
	if (value.type() != typeid(Poco::JSON::Object::Ptr))
		throw BadRequestException("request body must be a JSON object");
	return value.extract<Poco::JSON::Object::Ptr>();
}

std::string requireString(const Poco::JSON::Object& object, const std::string& field)
{
	if (!object.has(field) || object.isNull(field))
		throw BadRequestException("field '" + field + "' is required");
	Poco::Dynamic::Var value = object.get(field);
	if (!value.isString())
		throw BadRequestException("field '" + field + "' must be a string");
	return value.extract<std::string>();
}

Poco::Int64 requireInt(const Poco::JSON::Object& object, const std::string& field)
{
	if (!object.has(field) || object.isNull(field))
		throw BadRequestException("field '" + field + "' is required");
	Poco::Dynamic::Var value = object.get(field);
	if (!value.isInteger())
		throw BadRequestException("field '" + field + "' must be an integer");
	try
	{
		return value.convert<Poco::Int64>();
	}
	catch (const Poco::RangeException&)
	{
		throw BadRequestException("field '" + field + "' is out of range");
	}
}

Poco::JSON::Object::Ptr object()
{
	return new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
}

std::string stringify(const Poco::Dynamic::Var& value)
{
	std::ostringstream out;
	Poco::JSON::Stringifier::condense(value, out);
	return out.str();
}

} // namespace p2p::json
