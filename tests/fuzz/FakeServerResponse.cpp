#include "FakeServerResponse.h"
#include <Poco/Exception.h>

namespace p2p::fuzz {

void FakeServerResponse::sendContinue()
{
}

std::ostream& FakeServerResponse::send()
{
	++_sends;
	return _body;
}

void FakeServerResponse::sendFile(const std::string&, const std::string&)
{
	throw Poco::NotImplementedException("FakeServerResponse::sendFile");
}

void FakeServerResponse::sendBuffer(const void* buffer, std::size_t length)
{
	send().write(static_cast<const char*>(buffer), static_cast<std::streamsize>(length));
}

void FakeServerResponse::redirect(const std::string&, HTTPStatus)
{
	throw Poco::NotImplementedException("FakeServerResponse::redirect");
}

void FakeServerResponse::requireAuthentication(const std::string&)
{
	throw Poco::NotImplementedException("FakeServerResponse::requireAuthentication");
}

} // namespace p2p::fuzz
