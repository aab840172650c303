#ifndef P2P_Fuzz_FakeServerRequest_INCLUDED
#define P2P_Fuzz_FakeServerRequest_INCLUDED

#include "FakeServerResponse.h"
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/SocketAddress.h>
#include <sstream>
#include <string>

namespace p2p::fuzz {

/// An HTTPServerRequest whose body is a string in memory, from a fixed
/// loopback client. Headers, method and URI are set through the usual
/// HTTPRequest setters. Used by one thread; owns its FakeServerResponse.
class FakeServerRequest: public Poco::Net::HTTPServerRequest
{
public:
	FakeServerRequest(const std::string& method, const std::string& uri, const std::string& body = "");

	std::istream& stream() override { return _body; }
	const Poco::Net::SocketAddress& clientAddress() const override { return _client; }
	const Poco::Net::SocketAddress& serverAddress() const override { return _server; }
	const Poco::Net::HTTPServerParams& serverParams() const override { return *_params; }
	Poco::Net::HTTPServerResponse& response() const override { return _response; }
	bool secure() const override { return false; }

	FakeServerResponse& fakeResponse() { return _response; }

private:
	std::istringstream _body;
	Poco::Net::SocketAddress _client{"127.0.0.1", 40000};
	Poco::Net::SocketAddress _server{"127.0.0.1", 5000};
	Poco::Net::HTTPServerParams::Ptr _params{new Poco::Net::HTTPServerParams};
	mutable FakeServerResponse _response;
};

} // namespace p2p::fuzz

#endif
