#include "MemberCodec.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include "p2p/NodeUrl.h"

namespace p2p::gossip {

namespace {

MemberState stateFrom(const std::string& text)
{
	if (text == "alive") return MemberState::Alive;
	if (text == "suspect") return MemberState::Suspect;
	if (text == "dead") return MemberState::Dead;
	throw BadRequestException("field 'state' must be alive, suspect or dead, not '" + text + "'");
}

} // namespace

Poco::JSON::Object::Ptr MemberCodec::toJson(const Member& member)
{
	auto object = json::object();
	object->set("id", member.id);
	object->set("url", member.url);
	object->set("state", std::string(toString(member.state)));
	object->set("incarnation", member.incarnation);
	return object;
}

Member MemberCodec::fromJson(const Poco::JSON::Object& object)
{
	Member member;
	member.id = json::requireString(object, "id");
	if (member.id.empty() || member.id.size() > 128) throw BadRequestException("field 'id' must be 1 to 128 characters");
	for (const unsigned char c : member.id)
		if (c < 0x21 || c == 0x7f) throw BadRequestException("field 'id' must not contain spaces or control characters");
	member.url = json::requireString(object, "url");
	if (!isNodeUrl(member.url)) throw BadRequestException("field 'url' must be an http(s)://host:port URL, not '" + member.url + "'");
	member.state = stateFrom(object.has("state") ? json::requireString(object, "state") : "alive");
	const Poco::Int64 incarnation = object.has("incarnation") ? json::requireInt(object, "incarnation") : 0;
	if (incarnation < 0 || static_cast<Poco::UInt64>(incarnation) > kMaxIncarnation)
		throw BadRequestException("field 'incarnation' must be from 0 to " + std::to_string(kMaxIncarnation));
	member.incarnation = static_cast<Poco::UInt64>(incarnation);
	return member;
}

std::vector<Member> MemberCodec::listFrom(const Poco::JSON::Object& body, const std::string& field, std::size_t maxEntries)
{
	std::vector<Member> members;
	if (!body.has(field) || body.isNull(field)) return members;
	const auto list = body.getArray(field);
	if (!list) throw BadRequestException("field '" + field + "' must be a list of members");
	if (list->size() > maxEntries)
		throw BadRequestException("field '" + field + "' has " + std::to_string(list->size()) + " entries, more than " +
		                          std::to_string(maxEntries) + " (gossip.max_peers_per_message)");
	for (std::size_t i = 0; i < list->size(); ++i)
	{
		const auto item = list->getObject(static_cast<unsigned>(i));
		if (!item) throw BadRequestException("entry " + std::to_string(i) + " of '" + field + "' is not an object");
		members.push_back(fromJson(*item));
	}
	return members;
}

} // namespace p2p::gossip
