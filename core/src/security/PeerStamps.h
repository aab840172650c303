#ifndef P2P_PeerStamps_INCLUDED
#define P2P_PeerStamps_INCLUDED

#include "p2p/Export.h"

#include "security/RequestSigner.h"
#include <Poco/Types.h>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace p2p {

/// What this node signs into each request to another node besides its
/// content (SignedFor): the id of the node at that address, as the
/// membership knows it, and a nonce, the next number of a stream this
/// process keeps for that address. Numbering per address keeps one
/// receiver's numbers close together, so its ReplayGuard's window covers
/// the requests in flight to it; a random stream id per process keeps a
/// restarted node's numbers apart from its last life's.
///
/// Thread-safe.
class P2P_API PeerStamps
{
public:
	PeerStamps();

	/// The node at url (http(s)://host:port) is `id` (the membership says so).
	void learn(const std::string& url, const std::string& id);
	/// Node `id` is no longer at url (if another has taken it, that one stays).
	void forget(const std::string& url, const std::string& id);

	/// For the next request to host:port.
	SignedFor next(const std::string& host, Poco::UInt16 port);

private:
	struct Destination
	{
		std::string stream;
		std::uint64_t counter = 0;
		std::string to;
	};

	/// "host:port", lower case: what requests are addressed by.
	static std::string keyOf(const std::string& host, Poco::UInt16 port);
	/// keyOf() url's host and port; empty when url is malformed.
	static std::string addressOf(const std::string& url);
	Destination& destination(const std::string& address);

	std::mutex _mutex;
	std::unordered_map<std::string, Destination> _byAddress;
	std::uint64_t _streamSeed;
	std::uint64_t _streams = 0;
};

} // namespace p2p

#endif
