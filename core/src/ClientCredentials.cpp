#include "ClientCredentials.h"
#include "Secrets.h"
#include "p2p/Errors.h"
#include <Poco/Base64Encoder.h>
#include <Poco/JWT/Token.h>
#include <Poco/String.h>
#include <sstream>

namespace p2p {

namespace {

std::string base64Url(const std::string& bytes)
{
	std::ostringstream text;
	Poco::Base64Encoder encoder(text, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
	encoder << bytes;
	encoder.close();
	return text.str();
}

} // namespace

ClientCredentials::ClientCredentials(std::string token, std::string jwtKey):
	_token(std::move(token)),
	_jwtKey(std::move(jwtKey))
{
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
	if (!_jwtKey.empty() && presented.find('.') != std::string::npos)
	{
		checkJwt(presented, now);
		return;
	}
	throw UnauthorizedException("the bearer token is not valid on this node");
}

void ClientCredentials::checkJwt(const std::string& jwt, Poco::Timestamp now) const
{
	// The signature is checked here rather than by POCO's JWT Signer, which
	// compares it with ==: time that depends on how much of a forgery is
	// right tells the forger the next byte.
	const std::size_t firstDot = jwt.find('.');
	const std::size_t lastDot = jwt.rfind('.');
	if (firstDot == 0 || lastDot == firstDot || jwt.find('.', firstDot + 1) != lastDot || lastDot + 1 == jwt.size())
		throw UnauthorizedException("the bearer JWT is malformed: it needs a header, a payload and a signature");
	const std::string expected = base64Url(secrets::hmacSha256(_jwtKey, jwt.substr(0, lastDot)));
	if (!secrets::equalInConstantTime(expected, jwt.substr(lastDot + 1)))
		throw UnauthorizedException("the bearer JWT is not signed with this node's http.auth.jwt_secret (HS256)");
	Poco::JWT::Token token;
	try
	{
		token = Poco::JWT::Token(jwt);
	}
	catch (const Poco::Exception&)
	{
		throw UnauthorizedException("the bearer JWT is malformed");
	}
	// Only the algorithm the key is for: "none", or HS512 under an HS256
	// key, would be someone's way around the signature check.
	if (token.getAlgorithm() != "HS256") throw UnauthorizedException("the bearer JWT must be signed with HS256");
	const Poco::Timestamp expires = token.getExpiration();
	if (expires.epochMicroseconds() == 0) throw UnauthorizedException("the bearer JWT has no exp; tokens must expire");
	if (now >= expires) throw UnauthorizedException("the bearer JWT expired");
	const Poco::Timestamp notBefore = token.getNotBefore();
	if (notBefore.epochMicroseconds() != 0 && now < notBefore)
		throw UnauthorizedException("the bearer JWT is not valid yet (nbf)");
}

} // namespace p2p
