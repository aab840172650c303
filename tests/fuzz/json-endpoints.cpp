// Request bodies of the JSON endpoints, read the way their handlers read
// them (the handlers are private to their plugins, so each branch calls
// the same parse and validation functions in the same order). The first
// byte picks the endpoint, the rest is the body:
//   0 POST /register       (bootstrap: Registry::add, then the view)
//   1 POST /message        (messaging: Inbox)
//   2 POST /kv, PUT /kv/{key} (kvstore: KeyRules)
//   3 POST /internal/kv    (kvstore: EntryCodec batch)
//   4 POST /gossip, /gossip/exchange, /gossip/probe (GossipMessage, MemberCodec)
// Invariants: the only refusal is BadRequestException (400); whatever is accepted
// obeys the documented rule (ids, URLs, keys) and survives a round trip
// through the form the node writes it in (JSON to a peer, the inbox, the view).
#include "EntryCodec.h"
#include "GossipMessage.h"
#include "Inbox.h"
#include "KeyRules.h"
#include "MemberCodec.h"
#include "Registry.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include "p2p/Membership.h"
#include "p2p/NodeUrl.h"
#include <Poco/UTF8Encoding.h>
#include <Poco/TextIterator.h>
#include <cctype>
#include <cstdint>
#include <string>

namespace {

constexpr std::size_t kMaxEntries = 64; // gossip.max_peers_per_message's default

void require(bool condition)
{
	if (!condition) __builtin_trap();
}

bool sameMember(const p2p::Member& a, const p2p::Member& b)
{
	return a.id == b.id && a.url == b.url && a.state == b.state && a.incarnation == b.incarnation;
}

bool validUtf8(const std::string& text)
{
	Poco::UTF8Encoding utf8;
	Poco::TextIterator it(text, utf8);
	const Poco::TextIterator end(text);
	for (; it != end; ++it)
		if (*it < 0) return false;
	return true;
}

void registerNode(const Poco::JSON::Object& body)
{
	const std::string id = p2p::json::requireString(body, "id");
	const std::string address = p2p::json::requireString(body, "address");
	p2p::bootstrap::Registry registry(Poco::Timespan(30, 0), 4);
	require(registry.add(id, address) == 1);
	require(!id.empty() && id.size() <= 128);
	for (const unsigned char c : id) require(std::isalnum(c) || c == '.' || c == '_' || c == '-');
	require(p2p::isNodeUrl(address));
	const auto live = registry.live();
	require(live.size() == 1 && live[0].id == id && live[0].address == address);

	p2p::Membership view({"self", "http://127.0.0.1:5000"});
	p2p::Member member;
	member.id = id;
	member.url = address;
	const bool changed = view.update(member);
	p2p::Member known;
	require(changed == (id != "self") && view.find(id, known) == changed);
	if (changed) require(known.url == address && known.state == p2p::MemberState::Alive);
}

void receiveMessage(const Poco::JSON::Object& body)
{
	const std::string sender = p2p::json::requireString(body, "sender_id");
	const std::string text = p2p::json::requireString(body, "message");
	p2p::messaging::Inbox inbox(2);
	inbox.add("earlier", "x");
	inbox.add(sender, text);
	const auto recent = inbox.recent(1);
	require(recent.size() == 1 && recent[0].sender == sender && recent[0].text == text && recent[0].sequence == 2);
}

void storeValue(const Poco::JSON::Object& body)
{
	const std::string key = p2p::json::requireString(body, "key");
	if (!body.has("value")) throw p2p::BadRequestException("field 'value' is required");
	p2p::kvstore::KeyRules::validate(key);
	require(!key.empty() && key.size() <= p2p::kvstore::KeyRules::kMaxKeyBytes);
	require(key.find('\0') == std::string::npos && validUtf8(key));
	// The value is stored as its JSON text and answered by parsing it again.
	const std::string stored = p2p::json::stringify(body.get("value"));
	require(p2p::json::stringify(p2p::json::parse(stored)) == stored);
}

void pushReplicas(const Poco::JSON::Object& body)
{
	const auto list = body.getArray("entries");
	if (!list) throw p2p::BadRequestException("field 'entries' must be a list of entries");
	for (std::size_t i = 0; i < list->size(); ++i)
	{
		const auto item = list->getObject(static_cast<unsigned>(i));
		if (!item) throw p2p::BadRequestException("entry " + std::to_string(i) + " is not an object");
		const auto [key, entry] = p2p::kvstore::EntryCodec::fromJson(*item);
		require(entry.timestamp > 0 && !entry.node.empty() && (entry.deleted == entry.value.empty() || !entry.deleted));
		// What a replica sends on (handoff, rebalancing) another one takes as it is.
		const auto again = p2p::kvstore::EntryCodec::fromJson(*p2p::kvstore::EntryCodec::toJson(key, entry));
		require(again.first == key && again.second.value == entry.value && again.second.timestamp == entry.timestamp &&
		        again.second.node == entry.node && again.second.deleted == entry.deleted);
	}
}

void gossip(const Poco::JSON::Object& body)
{
	if (body.has("target")) // /gossip/probe
	{
		const auto target = body.getObject("target");
		if (!target) throw p2p::BadRequestException("field 'target' must be a member");
		const p2p::Member member = p2p::gossip::MemberCodec::fromJson(*target);
		require(p2p::isNodeUrl(member.url) && member.incarnation <= p2p::gossip::MemberCodec::kMaxIncarnation);
		require(sameMember(p2p::gossip::MemberCodec::fromJson(*p2p::gossip::MemberCodec::toJson(member)), member));
		return;
	}
	const auto message = p2p::gossip::GossipMessage::fromJson(body, kMaxEntries);
	require(message.ttl >= 0 && message.peers.size() <= kMaxEntries && message.members.size() <= kMaxEntries);
	for (const auto& url : message.peers) require(p2p::isNodeUrl(url));
	// What this node forwards, its peers accept and read the same.
	const auto again = p2p::gossip::GossipMessage::fromJson(*message.toJson(), kMaxEntries);
	require(again.id == message.id && again.ttl == message.ttl && again.peers == message.peers);
	require(again.from.has_value() == message.from.has_value() && (!message.from || sameMember(*again.from, *message.from)));
	require(again.members.size() == message.members.size());
	for (std::size_t i = 0; i < message.members.size(); ++i) require(sameMember(again.members[i], message.members[i]));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	if (size == 0) return 0;
	const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
	try
	{
		const auto body = p2p::json::asObject(p2p::json::parse(text));
		switch (data[0] % 5)
		{
		case 0: registerNode(*body); break;
		case 1: receiveMessage(*body); break;
		case 2: storeValue(*body); break;
		case 3: pushReplicas(*body); break;
		default: gossip(*body); break;
		}
	}
	catch (const p2p::BadRequestException&)
	{
	}
	return 0;
}
