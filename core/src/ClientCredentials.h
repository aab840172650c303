#ifndef P2P_ClientCredentials_INCLUDED
#define P2P_ClientCredentials_INCLUDED

#include <Poco/JWT/Signer.h>
#include <Poco/Timestamp.h>
#include <memory>
#include <string>

namespace p2p {

/// What a client must show on client endpoints when http.auth.* is set:
/// a static bearer token (http.auth.token), or a JWT signed with HS256
/// under http.auth.jwt_secret whose exp/nbf hold. Either is accepted when
/// both are set. Immutable after construction; safe on any thread.
class ClientCredentials
{
public:
	/// Empty strings turn that kind off; both empty means nothing is checked.
	ClientCredentials(std::string token, const std::string& jwtSecret);

	bool required() const { return !_token.empty() || _jwt != nullptr; }

	/// Checks an Authorization header value; throws UnauthorizedException
	/// saying what is missing or wrong.
	void check(const std::string& authorization, Poco::Timestamp now = Poco::Timestamp()) const;

private:
	void checkJwt(const std::string& jwt, Poco::Timestamp now) const;

	std::string _token;
	std::unique_ptr<Poco::JWT::Signer> _jwt;
};

} // namespace p2p

#endif
