#include "security/ClientCredentials.h"
#include "security/Secrets.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/String.h>
#include <optional>
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

/// One part of a JWT as the JSON object it encodes (RFC 7515: base64url,
/// no padding). Read here rather than with Poco::JWT, whose library would
/// load OpenSSL into every node for the sake of a base64 decode.
Poco::JSON::Object::Ptr jwtPart(const std::string& encoded)
{
	std::istringstream in(encoded);
	Poco::Base64Decoder decoder(in, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
	std::string json;
	char buffer[512];
	while (decoder.read(buffer, sizeof(buffer)) || decoder.gcount() > 0) json.append(buffer, static_cast<std::size_t>(decoder.gcount()));
	return json::asObject(json::parse(json));
}

/// A NumericDate claim (RFC 7519: seconds since the epoch), if present.
/// Read by hand: POCO's accessors throw on text and overflow on huge values.
std::optional<double> timeClaim(const Poco::JSON::Object& payload, const std::string& name)
{
	if (!payload.has(name)) return std::nullopt;
	const Poco::Dynamic::Var value = payload.get(name);
	if (!value.isNumeric()) throw UnauthorizedException("the bearer JWT's " + name + " is not a number");
	const double seconds = value.convert<double>();
	if (!(seconds >= 0 && seconds < 1e11)) throw UnauthorizedException("the bearer JWT's " + name + " is out of range");
	return seconds;
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
	std::string algorithm;
	std::optional<double> expires;
	std::optional<double> notBefore;
	try
	{
		const auto header = jwtPart(jwt.substr(0, firstDot));
		const auto payload = jwtPart(jwt.substr(firstDot + 1, lastDot - firstDot - 1));
		algorithm = header->optValue<std::string>("alg", "");
		expires = timeClaim(*payload, "exp");
		notBefore = timeClaim(*payload, "nbf");
	}
	catch (const UnauthorizedException&)
	{
		throw;
	}
	catch (const Poco::Exception&)
	{
		throw UnauthorizedException("the bearer JWT is malformed");
	}
	// Only the algorithm the key is for: "none", or HS512 under an HS256
	// key, would be someone's way around the signature check.
	if (algorithm != "HS256") throw UnauthorizedException("the bearer JWT must be signed with HS256");
	const double seconds = static_cast<double>(now.epochMicroseconds()) / 1e6;
	if (!expires) throw UnauthorizedException("the bearer JWT has no exp; tokens must expire");
	if (seconds >= *expires) throw UnauthorizedException("the bearer JWT expired");
	if (notBefore && seconds < *notBefore) throw UnauthorizedException("the bearer JWT is not valid yet (nbf)");
}

} // namespace p2p
