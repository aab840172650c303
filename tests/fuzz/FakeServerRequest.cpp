#include "FakeServerRequest.h"

namespace p2p::fuzz {

FakeServerRequest::FakeServerRequest(const std::string& method, const std::string& uri, const std::string& body):
	_body(body)
{
	setMethod(method);
	setURI(uri);
}

} // namespace p2p::fuzz
