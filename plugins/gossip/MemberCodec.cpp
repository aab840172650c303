#include "MemberCodec.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include "p2p/NodeUrl.h"
#include <Poco/NumberParser.h>

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

Member MemberCodec::checked(std::string id, std::string url, const std::string& state, Poco::Int64 incarnation)
{
	Member member;
	member.id = checkedId(std::move(id));
	member.url = std::move(url);
	if (!isNodeUrl(member.url)) throw BadRequestException("field 'url' must be an http(s)://host:port URL, not '" + member.url + "'");
	member.state = stateFrom(state);
	if (incarnation < 0 || static_cast<Poco::UInt64>(incarnation) > kMaxIncarnation)
		throw BadRequestException("field 'incarnation' must be from 0 to " + std::to_string(kMaxIncarnation));
	member.incarnation = static_cast<Poco::UInt64>(incarnation);
	return member;
}

std::string MemberCodec::checkedId(std::string id)
{
	if (id.empty() || id.size() > 128) throw BadRequestException("field 'id' must be 1 to 128 characters");
	for (const unsigned char c : id)
		if (c < 0x21 || c == 0x7f) throw BadRequestException("field 'id' must not contain spaces or control characters");
	return id;
}

Poco::UInt64 MemberCodec::incarnationFrom(const std::string& text)
{
	Poco::UInt64 incarnation = 0;
	if (text.empty() || text.size() > 20 || !Poco::NumberParser::tryParseUnsigned64(text, incarnation) ||
	    text.find_first_not_of("0123456789") != std::string::npos)
		throw BadRequestException("field 'incarnation' must be a whole number, not '" + text.substr(0, 32) + "'");
	if (incarnation > kMaxIncarnation)
		throw BadRequestException("field 'incarnation' must be from 0 to " + std::to_string(kMaxIncarnation));
	return incarnation;
}

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
	return checked(json::requireString(object, "id"), json::requireString(object, "url"),
	               object.has("state") ? json::requireString(object, "state") : "alive",
	               object.has("incarnation") ? json::requireInt(object, "incarnation") : 0);
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

std::string MemberCodec::toLine(const Member& member)
{
	std::string line;
	line.reserve(member.id.size() + member.url.size() + 24);
	line.append(member.id).append(1, ' ').append(member.url).append(1, ' ').append(toString(member.state));
	line.append(1, ' ').append(std::to_string(member.incarnation));
	return line;
}

Member MemberCodec::fromLine(const std::string& line)
{
	std::string fields[4];
	std::size_t count = 0;
	std::size_t start = 0;
	while (start <= line.size())
	{
		const std::size_t end = std::min(line.find(' ', start), line.size());
		if (count == 4) throw BadRequestException("a member has four fields: id, url, state and incarnation");
		fields[count++] = line.substr(start, end - start);
		start = end + 1;
	}
	if (count != 4) throw BadRequestException("a member has four fields: id, url, state and incarnation");
	const Poco::UInt64 incarnation = incarnationFrom(fields[3]);
	return checked(std::move(fields[0]), std::move(fields[1]), fields[2], static_cast<Poco::Int64>(incarnation));
}

} // namespace p2p::gossip
