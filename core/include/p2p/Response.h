#ifndef P2P_Response_INCLUDED
#define P2P_Response_INCLUDED

#include "p2p/Export.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <string>

namespace p2p {

/// The answer to one request. Handlers send exactly one response, either
/// through these helpers or through http() for streaming; errors are thrown,
/// not sent, so the router can answer them uniformly.
class P2P_API Response
{
public:
	explicit Response(Poco::Net::HTTPServerResponse& http);

	/// Sends value as compact JSON with Content-Type application/json.
	void json(const Poco::Dynamic::Var& value, int status = 200);

	/// Sends a complete body with the given type.
	void send(const std::string& body, const std::string& contentType, int status = 200);

	/// Whether headers have been sent (after which an error can only be logged).
	bool sent() const { return _http.sent(); }

	Poco::Net::HTTPServerResponse& http() { return _http; }

private:
	Poco::Net::HTTPServerResponse& _http;
};

} // namespace p2p

#endif
