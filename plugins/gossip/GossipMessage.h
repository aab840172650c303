#ifndef P2P_Gossip_GossipMessage_INCLUDED
#define P2P_Gossip_GossipMessage_INCLUDED

#include "p2p/Membership.h"
#include <Poco/JSON/Object.h>
#include <optional>

namespace p2p::gossip {

/// One POST /gossip body, or its answer. The seed's form is
/// {"peers": ["http://node1:5000"], "ttl": 2}; nodes add who they are and
/// what they know: {"id": "...", "ttl": 0, "from": {member},
/// "members": [{member}, ...]}. An answer carries "from" and "members" too,
/// which makes every exchange push-pull.
struct GossipMessage
{
	std::string id;                 ///< empty: the receiver gives it one
	int ttl = 0;                    ///< forwards left
	std::vector<std::string> peers; ///< bare URLs (the seed's contract)
	std::optional<Member> from;     ///< the sender, as it sees itself
	std::vector<Member> members;    ///< entries of the sender's view

	Poco::JSON::Object::Ptr toJson() const;

	/// Reads and checks a body: ttl a whole number >= 0, peers a list of
	/// http(s) URLs, at most maxEntries peers and maxEntries members.
	/// Throws BadRequestException naming the problem; nothing is partly read.
	static GossipMessage fromJson(const Poco::JSON::Object& body, std::size_t maxEntries);
};

} // namespace p2p::gossip

#endif
