#ifndef P2P_Fuzz_FakeServerResponse_INCLUDED
#define P2P_Fuzz_FakeServerResponse_INCLUDED

#include <Poco/Net/HTTPServerResponse.h>
#include <sstream>
#include <string>

namespace p2p::fuzz {

/// An HTTPServerResponse that keeps the body in memory, so a fuzz target
/// can hand requests to the router (or a Response) without a socket. Used
/// by one thread; sendFile() and redirect() are not used by the routes the
/// targets reach and throw NotImplementedException.
class FakeServerResponse: public Poco::Net::HTTPServerResponse
{
public:
	void sendContinue() override;
	std::ostream& send() override;
	void sendFile(const std::string& path, const std::string& mediaType) override;
	void sendBuffer(const void* buffer, std::size_t length) override;
	void redirect(const std::string& uri, HTTPStatus status = HTTP_FOUND) override;
	void requireAuthentication(const std::string& realm) override;
	bool sent() const override { return _sends > 0; }

	/// How often send() was called: a handler answers exactly once.
	int sends() const { return _sends; }

	/// What was sent as the body so far.
	std::string body() const { return _body.str(); }

private:
	int _sends = 0;
	std::ostringstream _body;
};

} // namespace p2p::fuzz

#endif
