#include "ContentTypes.h"
#include <Poco/String.h>
#include <map>

namespace p2p::filestore {

std::string ContentTypes::forName(const std::string& name)
{
	static const std::map<std::string, std::string> types{
		{"txt", "text/plain; charset=utf-8"}, {"md", "text/markdown; charset=utf-8"}, {"csv", "text/csv; charset=utf-8"},
		{"html", "text/html; charset=utf-8"}, {"htm", "text/html; charset=utf-8"}, {"css", "text/css"},
		{"js", "text/javascript"},            {"json", "application/json"},        {"xml", "application/xml"},
		{"pdf", "application/pdf"},           {"zip", "application/zip"},          {"gz", "application/gzip"},
		{"tar", "application/x-tar"},         {"png", "image/png"},                {"jpg", "image/jpeg"},
		{"jpeg", "image/jpeg"},               {"gif", "image/gif"},                {"svg", "image/svg+xml"},
		{"webp", "image/webp"},               {"mp3", "audio/mpeg"},               {"mp4", "video/mp4"},
		{"wasm", "application/wasm"}};
	const auto dot = name.rfind('.');
	if (dot == std::string::npos || dot + 1 == name.size()) return "application/octet-stream";
	const auto it = types.find(Poco::toLower(name.substr(dot + 1)));
	return it == types.end() ? "application/octet-stream" : it->second;
}

} // namespace p2p::filestore
