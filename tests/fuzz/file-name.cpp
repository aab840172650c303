// filestore's FileName rules on arbitrary names. Invariants of an accepted
// name: 1..255 bytes, no '/', '\', NUL or other control character (< 0x20,
// 0x7f), not "." or "..", no ".." anywhere; its encoded form (the URL path
// segment sent to other nodes) holds no '/', '?', '#' or ' ', and decodes
// back to the name, which the router then hands the owner unchanged. Only
// BadRequestException (the 400) may come out of validate().
#include "FileName.h"
#include "routing/RouteTable.h"
#include "p2p/Errors.h"
#include <Poco/URI.h>
#include <cstdint>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	const std::string name(reinterpret_cast<const char*>(data), size);
	try
	{
		p2p::filestore::FileName::validate(name);
	}
	catch (const p2p::BadRequestException&)
	{
		return 0;
	}
	if (name.empty() || name.size() > p2p::filestore::FileName::kMaxBytes) __builtin_trap();
	if (name == "." || name == ".." || name.find("..") != std::string::npos) __builtin_trap();
	for (const unsigned char c : name)
	{
		if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f) __builtin_trap();
	}

	const std::string encoded = p2p::filestore::FileName::encoded(name);
	if (encoded.find_first_of("/?# ") != std::string::npos) __builtin_trap();
	std::string decoded;
	Poco::URI::decode(encoded, decoded);
	if (decoded != name) __builtin_trap();
	// As the owner's router reads "/files/<encoded>": one segment, the name.
	const std::vector<std::string> segments = p2p::RouteTable::splitPath("/files/" + encoded);
	if (segments.size() != 2 || segments[1] != name) __builtin_trap();
	return 0;
}
