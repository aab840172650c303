#ifndef P2P_ClientCredentials_INCLUDED
#define P2P_ClientCredentials_INCLUDED

#include <Poco/Timestamp.h>
#include <string>

namespace p2p {

/// What a client must show on client endpoints when http.auth.* is set:
/// a static bearer token (http.auth.token), or a JWT signed with HS256
/// under http.auth.jwt_secret, with an exp that has not passed (and an nbf,
/// if any, that has). Either is accepted when both are set. Immutable after
/// construction; safe on any thread.
class ClientCredentials
{
public:
	/// Empty strings turn that kind off; both empty means nothing is checked.
	ClientCredentials(std::string token, std::string jwtKey);

	bool required() const { return !_token.empty() || !_jwtKey.empty(); }

	/// Checks an Authorization header value; throws UnauthorizedException
	/// saying what is missing or wrong.
	void check(const std::string& authorization, Poco::Timestamp now = Poco::Timestamp()) const;

private:
	void checkJwt(const std::string& jwt, Poco::Timestamp now) const;

	std::string _token;
	std::string _jwtKey;
};

} // namespace p2p

#endif
