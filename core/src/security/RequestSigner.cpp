#include "security/RequestSigner.h"
#include "security/Secrets.h"
#include "p2p/Errors.h"
#include "p2p/PeerClient.h"
#include <Poco/NumberParser.h>
#include <cstdlib>

namespace p2p {

namespace {

bool isLowerHex(const std::string& text, std::size_t length)
{
	if (text.size() != length) return false;
	for (char c : text)
	{
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
	}
	return true;
}

} // namespace

const std::string RequestSigner::NodeHeader = "X-P2P-Node";
const std::string RequestSigner::TimeHeader = "X-P2P-Time";
const std::string RequestSigner::BodyHashHeader = PeerClient::kBodyHashHeader;
const std::string RequestSigner::SignatureHeader = "X-P2P-Signature";
const std::string RequestSigner::NonceHeader = "X-P2P-Nonce";
const std::string RequestSigner::ToHeader = "X-P2P-To";
const std::string RequestSigner::UnsignedPayload = PeerClient::kUnsignedPayload;
const std::string RequestSigner::EmptyBodyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

RequestSigner::RequestSigner(const std::string& secret, std::string nodeId, int maxSkewSeconds):
	_secret(secret),
	_nodeId(std::move(nodeId)),
	_maxSkewSeconds(maxSkewSeconds)
{
	if (_secret.empty()) throw Poco::InvalidArgumentException("the cluster secret is empty");
	if (_maxSkewSeconds < 0) throw Poco::InvalidArgumentException("the allowed clock skew is negative");
}

std::string RequestSigner::sha256Hex(const std::string& data)
{
	return secrets::hex(secrets::sha256(data));
}

std::string RequestSigner::hmacHex(const std::string& method, const std::string& target, const std::string& bodyHash,
                                   const std::string& time, const std::string& node, const SignedFor& signedFor) const
{
	return secrets::hex(secrets::hmacSha256(_secret, "p2p-hmac-sha256-v2\n" + method + '\n' + target + '\n' + bodyHash +
	                                                     '\n' + time + '\n' + node + '\n' + signedFor.nonce + '\n' +
	                                                     signedFor.to));
}

RequestSigner::Headers RequestSigner::sign(const std::string& method, const std::string& target,
                                           const std::string& bodyHash, const SignedFor& signedFor,
                                           Poco::Timestamp now) const
{
	const std::string time = std::to_string(now.epochTime());
	Headers headers{{NodeHeader, _nodeId}, {TimeHeader, time}, {BodyHashHeader, bodyHash}};
	if (!signedFor.nonce.empty()) headers.emplace_back(NonceHeader, signedFor.nonce);
	if (!signedFor.to.empty()) headers.emplace_back(ToHeader, signedFor.to);
	headers.emplace_back(SignatureHeader, hmacHex(method, target, bodyHash, time, _nodeId, signedFor));
	return headers;
}

void RequestSigner::checkHead(const RequestSignature& claim, Poco::Timestamp now) const
{
	if (claim.signature.empty())
		throw UnauthorizedException("this node only takes signed requests from other nodes (cluster.secret is set); "
		                            "the request has no " + SignatureHeader + " header");
	if (claim.node.empty() || claim.node.size() > 256)
		throw UnauthorizedException("the signed request has no acceptable " + NodeHeader + " header");
	if (!isLowerHex(claim.signature, 64))
		throw UnauthorizedException(SignatureHeader + " must be 64 lowercase hex digits");
	if (claim.bodyHash != UnsignedPayload && !isLowerHex(claim.bodyHash, 64))
		throw UnauthorizedException(BodyHashHeader + " must be 64 lowercase hex digits or " + UnsignedPayload);
	if (claim.nonce.size() > 64) throw UnauthorizedException(NonceHeader + " is longer than 64 characters");
	if (claim.to.size() > 256) throw UnauthorizedException(ToHeader + " is longer than 256 characters");
	Poco::Int64 sent = 0;
	if (claim.time.empty() || claim.time.size() > 12 || claim.time[0] == '-' || claim.time[0] == '+' ||
	    !Poco::NumberParser::tryParse64(claim.time, sent))
		throw UnauthorizedException(TimeHeader + " must be the Unix time in seconds, not '" + claim.time.substr(0, 32) + "'");
	const Poco::Int64 skew = std::llabs(static_cast<long long>(now.epochTime()) - static_cast<long long>(sent));
	if (skew > _maxSkewSeconds)
		throw UnauthorizedException("the request was signed " + std::to_string(skew) +
		                            " s away from this node's clock; cluster.max_clock_skew_s allows " +
		                            std::to_string(_maxSkewSeconds) + " s (a replay, or clocks that need NTP)");
}

std::string RequestSigner::verify(const std::string& method, const std::string& target, const std::string& bodyHash,
                                  const RequestSignature& claim, Poco::Timestamp now) const
{
	checkHead(claim, now);
	if (claim.bodyHash != bodyHash)
	{
		if (claim.bodyHash == UnsignedPayload)
			throw UnauthorizedException("this endpoint reads the whole body, so its signature must cover it, not " +
			                            UnsignedPayload);
		throw UnauthorizedException("the body is not the one that was signed");
	}
	if (!secrets::equalInConstantTime(
			hmacHex(method, target, bodyHash, claim.time, claim.node, SignedFor{claim.to, claim.nonce}), claim.signature))
		throw UnauthorizedException("the signature of node '" + claim.node.substr(0, 64) +
		                            "' does not match: a different cluster.secret, or a changed request");
	if (!claim.to.empty() && claim.to != _nodeId)
		throw UnauthorizedException("the request was signed for node '" + claim.to.substr(0, 64) + "', and this is node '" +
		                            _nodeId + "': a request replayed to another node, or an address that now leads elsewhere");
	return claim.node;
}

} // namespace p2p
