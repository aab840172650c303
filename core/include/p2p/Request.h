#ifndef P2P_Request_INCLUDED
#define P2P_Request_INCLUDED

#include "p2p/Export.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <map>
#include <memory>
#include <string>

namespace p2p {

class HttpRouter;

/// What Request::moveToWorker() throws: not an error, and no exception
/// class, so that a handler's error handling lets it through to the server.
struct P2P_API MoveToWorker
{
};

/// One HTTP request as a route handler sees it: the matched route, its
/// URL-decoded path parameters, the query, and, for JSON routes, the body
/// already read (within http.max_body_bytes) and parsed. Lives on the
/// serving thread for the duration of one handler call.
class P2P_API Request
{
public:
	Request(Poco::Net::HTTPServerRequest& http, std::string route, std::map<std::string, std::string> params,
	        std::string requestId);
	~Request();

	const std::string& method() const;
	/// The path as sent, without the query and not decoded.
	std::string path() const;
	/// The pattern that matched, e.g. "/kv/{key}".
	const std::string& route() const { return _route; }
	const std::string& requestId() const { return _requestId; }

	/// A path parameter, URL-decoded; throws Poco::NotFoundException for a
	/// name the route pattern does not have (a programming error).
	const std::string& param(const std::string& name) const;

	/// A query parameter, URL-decoded (+ as space), or the default.
	std::string query(const std::string& name, const std::string& defaultValue = "") const;
	bool hasQuery(const std::string& name) const;

	/// The parsed body of a JSON route.
	const Poco::Dynamic::Var& json() const { return _json; }
	/// The body as an object; throws BadRequestException when it is not one.
	Poco::JSON::Object::Ptr jsonObject() const;

	/// The body of a Body::Bytes route, as it came.
	const std::string& content() const { return _content; }

	/// The body stream, for routes that read their own body (Body::Stream).
	/// A client that sends it slower than http.min_body_bytes_per_s is cut
	/// off while the handler waits for it.
	std::istream& body();

	Poco::Net::HTTPServerRequest& http() { return _http; }

	/// Whether the handler runs on an event loop (a Runs::Loop route).
	bool onLoop() const;
	/// From a Runs::Loop handler that finds this request needs blocking
	/// work (a quorum of other nodes, a write to disk): ends this call and
	/// runs the handler again, from the start and with the same body, on a
	/// worker thread. Do it before anything that must not happen twice.
	[[noreturn]] void moveToWorker() const;

	/// Whether the request proves it was sent by another node of the
	/// cluster: signed with cluster.secret. Without a secret nothing can be
	/// proved and every request counts as one, as every caller is trusted
	/// then. Trust a node-only header (such as "I am forwarding this") only
	/// when this holds.
	bool fromNode() const { return _fromNode; }

	void setJson(Poco::Dynamic::Var value) { _json = std::move(value); }
	void setContent(std::string content) { _content = std::move(content); }

private:
	// Provenance is the core's to say (it checked the signature): no plugin
	// can mark a request as coming from a node of the cluster.
	friend class HttpRouter;
	void setFromNode(bool fromNode) { _fromNode = fromNode; }

	const std::multimap<std::string, std::string>& queryParameters() const;

	Poco::Net::HTTPServerRequest& _http;
	std::string _route;
	std::map<std::string, std::string> _params;
	std::string _requestId;
	Poco::Dynamic::Var _json;
	std::string _content;
	std::unique_ptr<std::istream> _body;
	bool _fromNode = false;
	mutable bool _queryParsed = false;
	mutable std::multimap<std::string, std::string> _query;
};

} // namespace p2p

#endif
