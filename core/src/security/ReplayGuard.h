#ifndef P2P_ReplayGuard_INCLUDED
#define P2P_ReplayGuard_INCLUDED

#include "p2p/Export.h"

#include "security/RequestSigner.h"
#include <Poco/Timestamp.h>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace p2p {

/// Refuses a signed request this node has taken before: a signature is
/// good for cluster.max_clock_skew_s either way of its time, and within
/// that anyone who recorded it could send it again.
///
/// A sender numbers its requests to each address in a stream of its own
/// ("<stream>.<counter>" in X-P2P-Nonce), so what is remembered per stream
/// is the highest number seen and which of the kWindow below it came: a
/// few kilobytes per sender and address, not an entry per request. A
/// request further behind than that is refused too (it cannot be told
/// from a replay). A stream not heard from for twice the skew is
/// forgotten, since nothing of it could still pass the time check. So is
/// everything when the node restarts, which is why requests signed before
/// it started (a second's grace) are refused.
///
/// Call admit() only once the signature is verified, so that strangers
/// cannot fill it. Thread-safe.
class P2P_API ReplayGuard
{
public:
	/// Numbers a stream remembers below its highest.
	static constexpr std::uint64_t kWindow = 16384;

	explicit ReplayGuard(int maxSkewSeconds, Poco::Timestamp startedAt = Poco::Timestamp());

	/// Throws UnauthorizedException for a request without a nonce, one
	/// signed before this node started, one already taken, or one too far
	/// behind its stream; records it otherwise.
	void admit(const RequestSignature& claim, Poco::Timestamp now = Poco::Timestamp());

	/// Streams remembered (for tests and metrics).
	std::size_t streams() const;

private:
	struct Stream
	{
		std::uint64_t highest = 0;
		std::vector<std::uint64_t> seen; ///< kWindow bits, number n at n % kWindow
		Poco::Timestamp lastSeen;
	};

	/// Marks counter in stream; false when it was marked or is out of reach.
	static bool mark(Stream& stream, std::uint64_t counter);
	void forgetQuiet(Poco::Timestamp now);

	const Poco::Timestamp::TimeDiff _keepFor;
	const std::int64_t _startedAt; ///< Unix seconds
	mutable std::mutex _mutex;
	std::unordered_map<std::string, Stream> _streams;
	Poco::Timestamp _nextSweep;
};

} // namespace p2p

#endif
