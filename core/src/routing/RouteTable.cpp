#include "routing/RouteTable.h"
#include <Poco/Exception.h>
#include <Poco/URI.h>
#include <algorithm>
#include <cctype>

namespace p2p {

namespace {

bool isToken(const std::string& method)
{
	return !method.empty() && std::all_of(method.begin(), method.end(), [](unsigned char c) { return std::isupper(c); });
}

bool isParamName(const std::string& name)
{
	return !name.empty() &&
	       std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

} // namespace

std::vector<std::string> RouteTable::splitPath(const std::string& path)
{
	std::vector<std::string> segments;
	if (path.empty() || path == "/") return segments;
	std::size_t start = path[0] == '/' ? 1 : 0;
	while (true)
	{
		std::size_t slash = path.find('/', start);
		std::string decoded;
		Poco::URI::decode(path.substr(start, slash == std::string::npos ? std::string::npos : slash - start), decoded);
		segments.push_back(std::move(decoded));
		if (slash == std::string::npos) break;
		start = slash + 1;
	}
	return segments;
}

std::vector<Route::Segment> RouteTable::parsePattern(const std::string& pattern)
{
	if (pattern.empty() || pattern[0] != '/')
		throw Poco::InvalidArgumentException("route pattern must start with '/': " + pattern);
	std::vector<Route::Segment> segments;
	if (pattern == "/") return segments;
	std::size_t start = 1;
	while (start <= pattern.size())
	{
		std::size_t slash = pattern.find('/', start);
		std::string text = pattern.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
		if (text.empty()) throw Poco::InvalidArgumentException("route pattern has an empty segment: " + pattern);
		if (text.front() == '{' || text.back() == '}')
		{
			std::string name = text.size() > 2 ? text.substr(1, text.size() - 2) : "";
			if (text.front() != '{' || text.back() != '}' || !isParamName(name))
				throw Poco::InvalidArgumentException("route pattern has a malformed parameter '" + text + "': " + pattern);
			segments.push_back({name, true});
		}
		else
		{
			segments.push_back({text, false});
		}
		if (slash == std::string::npos) break;
		start = slash + 1;
	}
	return segments;
}

const Route& RouteTable::add(const std::string& method, const std::string& pattern, Handler handler, RouteOptions options)
{
	if (!isToken(method)) throw Poco::InvalidArgumentException("route method must be upper case: " + method);
	if (!handler) throw Poco::InvalidArgumentException("route " + method + " " + pattern + " has no handler");
	auto segments = parsePattern(pattern);
	for (const auto& route : _routes)
	{
		if (route->method == method && route->pattern == pattern)
			throw Poco::ExistsException("route " + method + " " + pattern + " is already registered");
	}
	auto route = std::make_unique<Route>(Route{method, pattern, std::move(segments), std::move(handler), options, _routes.size()});
	_routes.push_back(std::move(route));
	return *_routes.back();
}

bool RouteTable::matches(const Route& route, const std::vector<std::string>& segments)
{
	if (route.segments.size() != segments.size()) return false;
	for (std::size_t i = 0; i < segments.size(); ++i)
	{
		const auto& expected = route.segments[i];
		if (expected.isParam ? segments[i].empty() : expected.text != segments[i]) return false;
	}
	return true;
}

bool RouteTable::moreSpecific(const Route& a, const Route& b)
{
	for (std::size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i)
	{
		if (a.segments[i].isParam != b.segments[i].isParam) return !a.segments[i].isParam;
	}
	return false;
}

RouteMatch RouteTable::match(const std::string& method, const std::string& path) const
{
	const auto segments = splitPath(path);
	const Route* best = nullptr;
	const Route* bestGet = nullptr; // HEAD is served by GET when no route takes HEAD itself
	RouteMatch result;
	for (const auto& route : _routes)
	{
		if (!matches(*route, segments)) continue;
		result.allowed.push_back(route->method);
		if (route->method == method && (!best || moreSpecific(*route, *best))) best = route.get();
		if (method == "HEAD" && route->method == "GET" && (!bestGet || moreSpecific(*route, *bestGet)))
			bestGet = route.get();
	}
	if (!best) best = bestGet;
	if (best)
	{
		result.outcome = RouteMatch::Outcome::Found;
		result.route = best;
		for (std::size_t i = 0; i < segments.size(); ++i)
		{
			if (best->segments[i].isParam) result.params[best->segments[i].text] = segments[i];
		}
		result.allowed.clear();
		return result;
	}
	if (result.allowed.empty()) return result;
	if (std::find(result.allowed.begin(), result.allowed.end(), "GET") != result.allowed.end())
		result.allowed.push_back("HEAD");
	std::sort(result.allowed.begin(), result.allowed.end());
	result.allowed.erase(std::unique(result.allowed.begin(), result.allowed.end()), result.allowed.end());
	result.outcome = RouteMatch::Outcome::MethodNotAllowed;
	return result;
}

} // namespace p2p
