// JSON request bodies as the messaging endpoint reads them: parse, take the
// object, read its string fields, write it back. Only BadRequestException
// (the 400 answer) may come out.
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	const std::string text(reinterpret_cast<const char*>(data), size);
	try
	{
		Poco::Dynamic::Var value = p2p::json::parse(text);
		const std::string again = p2p::json::stringify(value);
		// What we write we must be able to read back.
		p2p::json::parse(again);
		auto object = p2p::json::asObject(value);
		p2p::json::requireString(*object, "sender_id");
		p2p::json::requireString(*object, "message");
	}
	catch (const p2p::BadRequestException&)
	{
	}
	return 0;
}
