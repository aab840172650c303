#include "p2p/Response.h"
#include "p2p/Json.h"

namespace p2p {

Response::Response(Poco::Net::HTTPServerResponse& http): _http(http)
{
}

void Response::json(const Poco::Dynamic::Var& value, int status)
{
	send(json::stringify(value), "application/json", status);
}

void Response::send(const std::string& body, const std::string& contentType, int status)
{
	_http.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
	_http.setContentType(contentType);
	_http.setContentLength(static_cast<std::streamsize>(body.size()));
	_http.send().write(body.data(), static_cast<std::streamsize>(body.size()));
}

} // namespace p2p
