#ifndef P2P_Gossip_MemberCodec_INCLUDED
#define P2P_Gossip_MemberCodec_INCLUDED

#include "p2p/Membership.h"
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

namespace p2p::gossip {

/// Members as gossip carries them: in JSON (POST /gossip, /gossip/state)
/// {"id": "node7", "url": "http://127.0.0.1:5007", "state": "alive", "incarnation": 3},
/// and in the compact form between nodes (/gossip/exchange) as one line
/// "node7 http://127.0.0.1:5007 alive 3". Both are checked by the same rules.
class MemberCodec
{
public:
	/// Far above any real incarnation (they start at the Unix time in
	/// seconds and rise by one per refutation), far below what JSON
	/// integers carry: a rumour cannot push a node where peers refuse it.
	static constexpr Poco::UInt64 kMaxIncarnation = Poco::UInt64(1) << 48;

	static Poco::JSON::Object::Ptr toJson(const Member& member);

	/// Reads and checks one entry: an id of 1..128 printable characters, an
	/// http(s)://host:port URL, a known state, an incarnation >= 0. Throws
	/// BadRequestException naming the field.
	static Member fromJson(const Poco::JSON::Object& object);

	/// A list of entries, at most maxEntries of them; all checked before
	/// any is returned. An absent field is an empty list.
	static std::vector<Member> listFrom(const Poco::JSON::Object& body, const std::string& field, std::size_t maxEntries);

	/// "<id> <url> <state> <incarnation>" (ids and URLs hold no spaces).
	static std::string toLine(const Member& member);
	/// The four fields of toLine(), checked as fromJson() checks them.
	static Member fromLine(const std::string& line);

	/// A member id as both forms check it: 1..128 printable characters.
	static std::string checkedId(std::string id);
	/// An incarnation in its text form: a whole number up to kMaxIncarnation.
	static Poco::UInt64 incarnationFrom(const std::string& text);

private:
	static Member checked(std::string id, std::string url, const std::string& state, Poco::Int64 incarnation);
};

} // namespace p2p::gossip

#endif
