#include "GossipMessage.h"
#include "MemberCodec.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include "p2p/NodeUrl.h"

namespace p2p::gossip {

namespace {

constexpr const char* kTextHeader = "p2p-gossip 1";

/// "node7 1796176212 node5,node9", checked as member lines are.
GossipMessage::Accusation accusationFrom(const std::string& text, std::size_t maxAccusers)
{
	const std::size_t first = text.find(' ');
	const std::size_t second = first == std::string::npos ? first : text.find(' ', first + 1);
	if (second == std::string::npos || text.find(' ', second + 1) != std::string::npos)
		throw BadRequestException("an accusation has three fields: id, incarnation and accusers");
	GossipMessage::Accusation accusation{MemberCodec::checkedId(text.substr(0, first)),
	                                     MemberCodec::incarnationFrom(text.substr(first + 1, second - first - 1)),
	                                     {}};
	const std::string list = text.substr(second + 1);
	std::size_t start = 0;
	while (start <= list.size())
	{
		const std::size_t end = std::min(list.find(',', start), list.size());
		if (accusation.accusers.size() == maxAccusers)
			throw BadRequestException("an accusation names at most " + std::to_string(maxAccusers) + " accusers");
		accusation.accusers.push_back(MemberCodec::checkedId(list.substr(start, end - start)));
		start = end + 1;
	}
	return accusation;
}

} // namespace

Poco::JSON::Object::Ptr GossipMessage::toJson() const
{
	auto body = json::object();
	if (!id.empty()) body->set("id", id);
	body->set("ttl", ttl);
	if (!peers.empty())
	{
		Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
		for (const auto& url : peers) list->add(url);
		body->set("peers", list);
	}
	if (from) body->set("from", MemberCodec::toJson(*from));
	if (!members.empty())
	{
		Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
		for (const auto& member : members) list->add(MemberCodec::toJson(member));
		body->set("members", list);
	}
	return body;
}

GossipMessage GossipMessage::fromJson(const Poco::JSON::Object& body, std::size_t maxEntries)
{
	GossipMessage message;
	if (body.has("id") && !body.isNull("id"))
	{
		message.id = json::requireString(body, "id");
		if (message.id.empty() || message.id.size() > 128) throw BadRequestException("field 'id' must be 1 to 128 characters");
	}
	if (body.has("ttl"))
	{
		const Poco::Int64 ttl = json::requireInt(body, "ttl");
		if (ttl < 0) throw BadRequestException("field 'ttl' must not be negative");
		message.ttl = static_cast<int>(std::min<Poco::Int64>(ttl, 1 << 20));
	}
	if (body.has("peers") && !body.isNull("peers"))
	{
		const auto list = body.getArray("peers");
		if (!list) throw BadRequestException("field 'peers' must be a list of node URLs");
		if (list->size() > maxEntries)
			throw BadRequestException("field 'peers' has " + std::to_string(list->size()) + " entries, more than " +
			                          std::to_string(maxEntries) + " (gossip.max_peers_per_message)");
		for (std::size_t i = 0; i < list->size(); ++i)
		{
			const Poco::Dynamic::Var item = list->get(static_cast<unsigned>(i));
			if (!item.isString() || !isNodeUrl(item.toString()))
				throw BadRequestException("entry " + std::to_string(i) + " of 'peers' is not an http(s)://host:port URL");
			message.peers.push_back(item.toString());
		}
	}
	if (body.has("from") && !body.isNull("from"))
	{
		const auto from = body.getObject("from");
		if (!from) throw BadRequestException("field 'from' must be a member");
		message.from = MemberCodec::fromJson(*from);
	}
	message.members = MemberCodec::listFrom(body, "members", maxEntries);
	return message;
}

std::string GossipMessage::toText() const
{
	std::string text(kTextHeader);
	text.reserve(64 + members.size() * 56);
	text += '\n';
	if (from) text.append("from ").append(MemberCodec::toLine(*from)).append(1, '\n');
	if (!digest.empty()) text.append("digest ").append(digest).append(1, '\n');
	if (fullState) text.append("full\n");
	if (push) text.append("push\n");
	for (const auto& member : members) text.append("member ").append(MemberCodec::toLine(member)).append(1, '\n');
	for (const auto& accusation : accusations) text.append(accusationLine(accusation)).append(1, '\n');
	return text;
}

std::string GossipMessage::accusationLine(const Accusation& accusation)
{
	std::string line = "accused " + accusation.id + ' ' + std::to_string(accusation.incarnation) + ' ';
	for (std::size_t i = 0; i < accusation.accusers.size(); ++i) line.append(i ? "," : "").append(accusation.accusers[i]);
	return line;
}

GossipMessage GossipMessage::fromText(const std::string& text, std::size_t maxMembers)
{
	GossipMessage message;
	std::size_t start = 0;
	std::size_t number = 0;
	bool sawFrom = false;
	while (start < text.size())
	{
		std::size_t end = text.find('\n', start);
		if (end == std::string::npos) end = text.size();
		const std::string line = text.substr(start, end - start);
		start = end + 1;
		++number;
		const std::string where = "line " + std::to_string(number) + " of the gossip message";
		if (number == 1)
		{
			if (line != kTextHeader) throw BadRequestException(where + " must be '" + std::string(kTextHeader) + "'");
			continue;
		}
		const std::size_t space = line.find(' ');
		const std::string keyword = line.substr(0, space);
		const std::string rest = space == std::string::npos ? std::string() : line.substr(space + 1);
		try
		{
			if (keyword == "member")
			{
				if (message.members.size() >= maxMembers)
					throw BadRequestException("more than " + std::to_string(maxMembers) + " members");
				message.members.push_back(MemberCodec::fromLine(rest));
			}
			else if (keyword == "accused")
			{
				if (message.accusations.size() >= maxMembers)
					throw BadRequestException("more than " + std::to_string(maxMembers) + " accusations");
				message.accusations.push_back(accusationFrom(rest, GossipMessage::kMaxAccusers));
			}
			else if (keyword == "from" && !sawFrom)
			{
				message.from = MemberCodec::fromLine(rest);
				sawFrom = true;
			}
			else if (keyword == "digest" && message.digest.empty())
			{
				if (rest.empty() || rest.size() > 64 || rest.find_first_not_of("0123456789abcdef") != std::string::npos)
					throw BadRequestException("a digest is 1 to 64 lower-case hex digits");
				message.digest = rest;
			}
			else if (keyword == "full" && space == std::string::npos && !message.fullState)
			{
				message.fullState = true;
			}
			else if (keyword == "push" && space == std::string::npos && !message.push)
			{
				message.push = true;
			}
			else
			{
				throw BadRequestException("'" + keyword.substr(0, 32) + "' is not a gossip line here");
			}
		}
		catch (const BadRequestException& exc)
		{
			throw BadRequestException(where + ": " + exc.message());
		}
	}
	if (number == 0) throw BadRequestException("the gossip message is empty; it starts with '" + std::string(kTextHeader) + "'");
	return message;
}

} // namespace p2p::gossip
