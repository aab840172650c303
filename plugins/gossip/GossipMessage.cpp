#include "GossipMessage.h"
#include "MemberCodec.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include "p2p/NodeUrl.h"

namespace p2p::gossip {

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

} // namespace p2p::gossip
