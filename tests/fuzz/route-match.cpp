// Path decoding and route matching on arbitrary request lines: the first
// byte picks the method, the rest is the path. Nothing may crash; a bad
// percent escape is the one expected refusal.
#include "routing/RouteTable.h"
#include <Poco/Exception.h>
#include <cstdint>
#include <string>

namespace {

p2p::RouteTable& table()
{
	static p2p::RouteTable routes = [] {
		p2p::RouteTable t;
		auto nothing = [](p2p::Request&, p2p::Response&) {};
		for (const char* pattern : {"/", "/kv/{key}", "/kv/stats", "/files/{name}", "/a/{b}/c/{d}", "/download/{name}"})
		{
			t.add("GET", pattern, nothing, {});
			t.add("PUT", pattern, nothing, {});
		}
		return t;
	}();
	return routes;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	if (size == 0) return 0;
	static const char* const methods[] = {"GET", "PUT", "POST", "HEAD", "DELETE"};
	const std::string method = methods[data[0] % 5];
	const std::string path(reinterpret_cast<const char*>(data + 1), size - 1);
	try
	{
		p2p::RouteMatch match = table().match(method, path);
		if (match.outcome == p2p::RouteMatch::Outcome::Found)
		{
			for (const auto& segment : match.route->segments)
			{
				if (segment.isParam && match.params.at(segment.text).empty()) __builtin_trap();
			}
		}
	}
	catch (const Poco::SyntaxException&)
	{
	}
	return 0;
}
