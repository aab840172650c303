#include "security/ReplayGuard.h"
#include "p2p/Errors.h"
#include <Poco/NumberParser.h>
#include <algorithm>

namespace p2p {

namespace {

constexpr std::size_t kStreamIdLength = 16;
constexpr std::size_t kWords = ReplayGuard::kWindow / 64;

/// "<16 lowercase hex digits>.<decimal number>" into its two parts.
bool parseNonce(const std::string& nonce, std::string& stream, std::uint64_t& counter)
{
	const std::size_t dot = nonce.find('.');
	if (dot != kStreamIdLength || nonce.size() == dot + 1 || nonce.size() - dot - 1 > 19) return false;
	const auto isHex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
	const auto isDigit = [](char c) { return c >= '0' && c <= '9'; };
	if (!std::all_of(nonce.begin(), nonce.begin() + dot, isHex) || !std::all_of(nonce.begin() + dot + 1, nonce.end(), isDigit))
		return false;
	stream = nonce.substr(0, dot);
	Poco::UInt64 number = 0;
	if (!Poco::NumberParser::tryParseUnsigned64(nonce.substr(dot + 1), number)) return false;
	counter = number;
	return true;
}

} // namespace

ReplayGuard::ReplayGuard(int maxSkewSeconds, Poco::Timestamp startedAt):
	_keepFor(2 * static_cast<Poco::Timestamp::TimeDiff>(maxSkewSeconds + 1) * Poco::Timestamp::resolution()),
	_startedAt(startedAt.epochTime())
{
}

void ReplayGuard::admit(const RequestSignature& claim, Poco::Timestamp now)
{
	std::string streamId;
	std::uint64_t counter = 0;
	if (!parseNonce(claim.nonce, streamId, counter))
		throw UnauthorizedException(RequestSigner::NonceHeader + " must be <16 hex digits>.<number>, which this node "
		                            "needs to refuse replays; not '" + claim.nonce.substr(0, 64) + "'");
	Poco::Int64 signedAt = 0;
	Poco::NumberParser::tryParse64(claim.time, signedAt); // checkHead() has checked its form
	if (signedAt < _startedAt - 1)
		throw UnauthorizedException("the request was signed before this node started, so it cannot be told from a "
		                            "replay; send it again");

	std::lock_guard<std::mutex> lock(_mutex);
	if (now >= _nextSweep) forgetQuiet(now);
	Stream& stream = _streams[claim.node + ' ' + streamId];
	if (!mark(stream, counter))
		throw UnauthorizedException("request " + claim.nonce + " of node '" + claim.node.substr(0, 64) +
		                            "' was taken before, or is too far behind that node's later requests: a replay");
	stream.lastSeen = now;
}

bool ReplayGuard::mark(Stream& stream, std::uint64_t counter)
{
	const auto bit = [](std::uint64_t n) { return std::make_pair(n / 64 % kWords, std::uint64_t(1) << (n % 64)); };
	if (stream.seen.empty())
	{
		stream.seen.assign(kWords, 0);
		stream.highest = counter;
	}
	else if (counter > stream.highest)
	{
		// Numbers the window moves past are forgotten: clear them.
		if (counter - stream.highest >= kWindow)
			std::fill(stream.seen.begin(), stream.seen.end(), 0);
		else
			for (std::uint64_t n = stream.highest + 1; n < counter; ++n)
			{
				const auto [word, mask] = bit(n);
				stream.seen[word] &= ~mask;
			}
		const auto [word, mask] = bit(counter);
		stream.seen[word] &= ~mask;
		stream.highest = counter;
	}
	else if (stream.highest - counter >= kWindow)
		return false;
	const auto [word, mask] = bit(counter);
	if (stream.seen[word] & mask) return false;
	stream.seen[word] |= mask;
	return true;
}

void ReplayGuard::forgetQuiet(Poco::Timestamp now)
{
	for (auto it = _streams.begin(); it != _streams.end();)
		it = now - it->second.lastSeen > _keepFor ? _streams.erase(it) : std::next(it);
	_nextSweep = now + _keepFor / 2;
}

std::size_t ReplayGuard::streams() const
{
	std::lock_guard<std::mutex> lock(_mutex);
	return _streams.size();
}

} // namespace p2p
