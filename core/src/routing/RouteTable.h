#ifndef P2P_RouteTable_INCLUDED
#define P2P_RouteTable_INCLUDED

#include "p2p/Router.h"
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace p2p {

/// One registered route: a method, a parsed pattern and its handler.
struct Route
{
	struct Segment
	{
		std::string text; ///< literal text, or the parameter's name
		bool isParam;
	};

	std::string method;
	std::string pattern;
	std::vector<Segment> segments;
	Handler handler;
	RouteOptions options;
	std::size_t index; ///< position in the table, stable for the table's life
};

/// The result of looking a request up.
struct RouteMatch
{
	enum class Outcome
	{
		Found,
		NoSuchPath,
		MethodNotAllowed
	};

	Outcome outcome = Outcome::NoSuchPath;
	const Route* route = nullptr;
	std::map<std::string, std::string> params; ///< URL-decoded
	std::vector<std::string> allowed;          ///< for MethodNotAllowed: what the path accepts
};

/// Routes and the matching rules, without any HTTP: the router's pure part.
///
/// Matching: a path is split on '/' before decoding, so %2F stays inside a
/// parameter. Among the patterns that match the path, the most specific one
/// that accepts the method wins (a literal segment beats a parameter at the
/// first place they differ). HEAD falls back to GET. Not thread-safe while
/// routes are being added; immutable and freely shared afterwards.
class RouteTable
{
public:
	/// Throws InvalidArgumentException for a bad method or pattern and
	/// ExistsException for a duplicate.
	const Route& add(const std::string& method, const std::string& pattern, Handler handler, RouteOptions options);

	/// path: the request path without the query, still percent-encoded.
	/// Throws Poco::SyntaxException for a malformed percent escape.
	RouteMatch match(const std::string& method, const std::string& path) const;

	std::size_t size() const { return _routes.size(); }
	const Route& at(std::size_t index) const { return *_routes.at(index); }

	/// Splits an encoded path into decoded segments ("/" has none).
	static std::vector<std::string> splitPath(const std::string& path);

private:
	static std::vector<Route::Segment> parsePattern(const std::string& pattern);
	static bool matches(const Route& route, const std::vector<std::string>& segments);
	static bool moreSpecific(const Route& a, const Route& b);

	std::vector<std::unique_ptr<Route>> _routes;
};

} // namespace p2p

#endif
