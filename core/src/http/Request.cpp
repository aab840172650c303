#include "p2p/Request.h"
#include "event/EventLoops.h"
#include "http/PacedBodyStream.h"
#include "p2p/Json.h"
#include <Poco/Exception.h>
#include <Poco/URI.h>

namespace p2p {

Request::Request(Poco::Net::HTTPServerRequest& http, std::string route, std::map<std::string, std::string> params,
                 std::string requestId):
	_http(http),
	_route(std::move(route)),
	_params(std::move(params)),
	_requestId(std::move(requestId))
{
}

Request::~Request() = default;

std::istream& Request::body()
{
	if (!_body) _body = std::make_unique<PacedBodyStream>(_http.stream());
	return *_body;
}

bool Request::onLoop() const
{
	return EventLoops::current() != nullptr;
}

void Request::moveToWorker() const
{
	if (!onLoop()) throw Poco::IllegalStateException("moveToWorker() on a thread that is no event loop");
	throw MoveToWorker{};
}

const std::string& Request::method() const
{
	return _http.getMethod();
}

std::string Request::path() const
{
	const std::string& uri = _http.getURI();
	return uri.substr(0, uri.find('?'));
}

const std::string& Request::param(const std::string& name) const
{
	auto it = _params.find(name);
	if (it == _params.end())
		throw Poco::NotFoundException("route " + _route + " has no parameter {" + name + "}");
	return it->second;
}

const std::multimap<std::string, std::string>& Request::queryParameters() const
{
	if (!_queryParsed)
	{
		// getQueryParameters() decodes and throws SyntaxException on a bad
		// escape, which the router answers with 400.
		for (auto& [key, value] : Poco::URI(_http.getURI()).getQueryParameters()) _query.emplace(key, value);
		_queryParsed = true;
	}
	return _query;
}

std::string Request::query(const std::string& name, const std::string& defaultValue) const
{
	auto it = queryParameters().find(name);
	return it == _query.end() ? defaultValue : it->second;
}

bool Request::hasQuery(const std::string& name) const
{
	return queryParameters().count(name) > 0;
}

Poco::JSON::Object::Ptr Request::jsonObject() const
{
	return json::asObject(_json);
}

} // namespace p2p
