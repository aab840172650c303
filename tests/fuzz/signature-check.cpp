// The cluster signature check (RequestSigner) on arbitrary headers, and the
// sign/verify round trip on arbitrary requests. The input is split at '\n'
// into method, target, body, node, time, body hash and signature.
// Invariants: verify() refuses with UnauthorizedException only (the 401),
// never anything else; whatever it accepts carries exactly the HMAC the
// signer computes for those fields; a request signed with the secret
// verifies, and the same request with its body, target or time changed
// does not.
#include "security/RequestSigner.h"
#include "p2p/Errors.h"
#include <Poco/NumberParser.h>
#include <Poco/Timespan.h>
#include <cstdint>
#include <string>
#include <vector>

namespace {

const Poco::Timestamp kNow = Poco::Timestamp::fromEpochTime(1800000000);
const p2p::RequestSigner kSigner("fuzzing-cluster-secret-0123456789", "fuzzer", 30);

std::vector<std::string> fields(const std::string& input, std::size_t count)
{
	std::vector<std::string> parts;
	std::size_t start = 0;
	while (parts.size() + 1 < count)
	{
		const std::size_t end = input.find('\n', start);
		if (end == std::string::npos) break;
		parts.push_back(input.substr(start, end - start));
		start = end + 1;
	}
	parts.push_back(input.substr(std::min(start, input.size())));
	parts.resize(count);
	return parts;
}

bool accepted(const std::string& method, const std::string& target, const std::string& bodyHash,
              const p2p::RequestSignature& claim)
{
	try
	{
		kSigner.verify(method, target, bodyHash, claim, kNow);
		return true;
	}
	catch (const p2p::UnauthorizedException&)
	{
		return false;
	}
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	const auto f = fields(std::string(reinterpret_cast<const char*>(data), size), 7);
	const std::string& method = f[0];
	const std::string& target = f[1];
	const std::string bodyHash = p2p::RequestSigner::sha256Hex(f[2]);

	// Arbitrary claims: accepted only with the signer's own HMAC.
	p2p::RequestSignature claim{f[3], f[4], f[5], f[6], "", ""};
	if (accepted(method, target, bodyHash, claim))
	{
		Poco::Int64 time = 0;
		if (!Poco::NumberParser::tryParse64(claim.time, time)) __builtin_trap();
		for (const auto& [name, value] : kSigner.sign(method, target, bodyHash, {}, Poco::Timestamp::fromEpochTime(time)))
		{
			if (name == p2p::RequestSigner::SignatureHeader && value != claim.signature && claim.node == "fuzzer") __builtin_trap();
		}
	}

	// The round trip, with the signer's id and a time inside the window.
	p2p::RequestSignature good;
	for (const auto& [name, value] : kSigner.sign(method, target, bodyHash, {}, kNow - 5 * Poco::Timespan::SECONDS))
	{
		if (name == p2p::RequestSigner::NodeHeader) good.node = value;
		if (name == p2p::RequestSigner::TimeHeader) good.time = value;
		if (name == p2p::RequestSigner::BodyHashHeader) good.bodyHash = value;
		if (name == p2p::RequestSigner::SignatureHeader) good.signature = value;
	}
	if (!accepted(method, target, bodyHash, good)) __builtin_trap();
	if (accepted(method, target, p2p::RequestSigner::sha256Hex(f[2] + "x"), good)) __builtin_trap();
	if (accepted(method, target + "x", bodyHash, good)) __builtin_trap();
	p2p::RequestSignature later = good;
	later.time = std::to_string(kNow.epochTime() - 4);
	if (accepted(method, target, bodyHash, later)) __builtin_trap();
	return 0;
}
