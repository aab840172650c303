// Path and query decoding as the node does it, on arbitrary request URIs:
// the router splits the path (the URI up to '?') with RouteTable::splitPath,
// and handlers read the query through Request::query/hasQuery.
// Invariants:
//  - the only refusal is Poco::SyntaxException (the router's 400);
//  - path: re-encoding the decoded segments (each with '/' escaped) and
//    splitting again gives the same segments, so a %2F stays inside its
//    segment and decoding is never applied twice;
//  - query: every decoded key is seen by hasQuery, query() returns one of
//    its values, and encoding the decoded parameters again (as PeerClient
//    requests to other nodes do) reads back as the same list.
#include "FakeServerRequest.h"
#include "routing/RouteTable.h"
#include "p2p/Request.h"
#include <Poco/Exception.h>
#include <Poco/URI.h>
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace {

using Parameters = Poco::URI::QueryParameters;

/// The query as a handler sees it, checked against the full decoded list.
Parameters readQuery(const std::string& uri)
{
	p2p::fuzz::FakeServerRequest http("GET", uri);
	p2p::Request request(http, "/{any}", {}, "fuzz");
	const Parameters parameters = Poco::URI(uri).getQueryParameters();
	for (const auto& [key, value] : parameters)
	{
		if (!request.hasQuery(key)) __builtin_trap();
		const std::string seen = request.query(key);
		const bool known = std::any_of(parameters.begin(), parameters.end(),
		                               [&, &k = key](const auto& p) { return p.first == k && p.second == seen; });
		if (!known) __builtin_trap();
	}
	return parameters;
}

void checkPath(const std::string& path)
{
	const std::vector<std::string> segments = p2p::RouteTable::splitPath(path);
	std::string again;
	for (const auto& segment : segments)
	{
		again += '/';
		Poco::URI::encode(segment, "/?#", again);
	}
	if (again.empty()) again = "/";
	if (p2p::RouteTable::splitPath(again) != segments) __builtin_trap();
}

void checkQuery(const std::string& uri)
{
	const Parameters parameters = readQuery(uri);
	Poco::URI encoded("/q");
	for (const auto& [key, value] : parameters) encoded.addQueryParameter(key, value);
	if (Poco::URI(encoded.toString()).getQueryParameters() != parameters) __builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	const std::string uri(reinterpret_cast<const char*>(data), size);
	try
	{
		checkPath(uri.substr(0, uri.find('?')));
	}
	catch (const Poco::SyntaxException&)
	{
		return 0; // the router answers 400 before any handler reads the query
	}
	try
	{
		checkQuery(uri);
	}
	catch (const Poco::SyntaxException&)
	{
	}
	return 0;
}
