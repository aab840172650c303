#ifndef P2P_Gossip_GossipMessage_INCLUDED
#define P2P_Gossip_GossipMessage_INCLUDED

#include "p2p/Membership.h"
#include <Poco/JSON/Object.h>
#include <optional>

namespace p2p::gossip {

/// One gossip message, or its answer, in either of two forms.
///
/// JSON, for POST /gossip (the seed's rumours): {"peers":
/// ["http://node1:5000"], "ttl": 2}; nodes add who they are and what they
/// know: {"id": "...", "ttl": 0, "from": {member}, "members": [...]}.
///
/// Text, for POST /gossip/exchange between nodes (Content-Type
/// text/x-p2p-gossip), about half the bytes of JSON and read without a
/// document tree, which matters when a thousand nodes join at once:
///
///     p2p-gossip 1
///     from node5 http://127.0.0.1:5005 alive 1796176212
///     digest 9f2c41d07a3e5b68
///     full
///     push
///     member node7 http://127.0.0.1:5007 suspect 1796176212
///     accused node7 1796176212 node5,node9
///
/// "from" is the sender as it sees itself; "member" lines are news (or,
/// with "full", the sender's whole view); "digest" is the sender's
/// Gossiper::digest(), which asks the receiver to answer with its whole
/// view when its own differs; "push" is news that wants no answer;
/// "accused" names who suspect a member at an incarnation (Lifeguard's
/// confirmations). Every line but the first is optional.
struct GossipMessage
{
	/// Who suspect a member at one of its incarnations.
	struct Accusation
	{
		std::string id;
		Poco::UInt64 incarnation = 0;
		std::vector<std::string> accusers;
	};

	std::string id;                 ///< empty: the receiver gives it one (rumours only)
	int ttl = 0;                    ///< forwards left (rumours only)
	std::vector<std::string> peers; ///< bare URLs (the seed's contract)
	std::optional<Member> from;     ///< the sender, as it sees itself
	std::vector<Member> members;    ///< news, or the sender's whole view
	bool fullState = false;         ///< members is the sender's whole view
	bool push = false;              ///< news that wants no answer (a datagram gets none)
	std::string digest;             ///< empty: none (no sync asked for)
	std::vector<Accusation> accusations; ///< text form only
	/// Accusers one accusation may name.
	static constexpr std::size_t kMaxAccusers = 8;

	/// The "accused" line of an accusation, without its newline.
	static std::string accusationLine(const Accusation& accusation);

	Poco::JSON::Object::Ptr toJson() const;

	/// Reads and checks a body: ttl a whole number >= 0, peers a list of
	/// http(s) URLs, at most maxEntries peers and maxEntries members.
	/// Throws BadRequestException naming the problem; nothing is partly read.
	static GossipMessage fromJson(const Poco::JSON::Object& body, std::size_t maxEntries);

	static constexpr const char* kTextType = "text/x-p2p-gossip";
	std::string toText() const;

	/// Reads and checks the text form, at most maxMembers member lines.
	/// Throws BadRequestException naming the line; nothing is partly read.
	static GossipMessage fromText(const std::string& text, std::size_t maxMembers);
};

} // namespace p2p::gossip

#endif
