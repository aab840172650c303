#include "ClientCredentials.h"
#include "Secrets.h"
#include "p2p/Errors.h"
#include <Poco/JWT/JWTException.h>
#include <Poco/JWT/Token.h>
#include <Poco/String.h>

namespace p2p {

ClientCredentials::ClientCredentials(std::string token, const std::string& jwtSecret): _token(std::move(token))
{
	if (!jwtSecret.empty())
	{
		// Only HS256: accepting "none" or another algorithm than the one
		// configured is the classic JWT forgery.
		_jwt = std::make_unique<Poco::JWT::Signer>(jwtSecret);
	}
}

void ClientCredentials::check(const std::string& authorization, Poco::Timestamp now) const
{
	if (!required()) return;
	static const std::string scheme = "Bearer ";
	if (authorization.empty())
		throw UnauthorizedException("this endpoint needs an Authorization: Bearer header (http.auth is set on this node)");
	if (authorization.size() <= scheme.size() || Poco::icompare(authorization.substr(0, scheme.size()), scheme) != 0)
		throw UnauthorizedException("the Authorization header must be 'Bearer <token>'");
	const std::string presented = Poco::trim(authorization.substr(scheme.size()));
	if (!_token.empty() && secrets::equalInConstantTime(presented, _token)) return;
	if (_jwt && presented.find('.') != std::string::npos)
	{
		checkJwt(presented, now);
		return;
	}
	throw UnauthorizedException("the bearer token is not valid on this node");
}

void ClientCredentials::checkJwt(const std::string& jwt, Poco::Timestamp now) const
{
	Poco::JWT::Token token;
	try
	{
		token = _jwt->verify(jwt);
	}
	catch (const Poco::Exception&)
	{
		throw UnauthorizedException("the bearer JWT is malformed or not signed with this node's http.auth.jwt_secret (HS256)");
	}
	const Poco::Timestamp expires = token.getExpiration();
	if (expires.epochMicroseconds() != 0 && now >= expires)
		throw UnauthorizedException("the bearer JWT expired");
	const Poco::Timestamp notBefore = token.getNotBefore();
	if (notBefore.epochMicroseconds() != 0 && now < notBefore)
		throw UnauthorizedException("the bearer JWT is not valid yet (nbf)");
}

} // namespace p2p
