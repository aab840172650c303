// A gossip message decoded as POST /gossip/exchange (the text form, when the
// input starts with its header line) or POST /gossip (JSON) decodes it, and
// merged by Gossiper::receive into a core Membership that already knows a
// few members. Invariants after the merge:
//  - this node never appears in its own view, and a rumour that it is
//    suspect or dead (below the incarnation cap) is refuted: its own
//    incarnation is then above the rumour's;
//  - for every member known before, the incarnation never decreases, and at
//    the same incarnation the state never becomes milder (SWIM's rule,
//    Membership.h);
//  - no member is learnt only from news of its death;
//  - merging the same message again only adds news, and a third time
//    changes nothing (a message merges to a fixed point);
//  - the answer this node sends back decodes on the other side, in the form
//    the message came in.
#include "GossipMessage.h"
#include "Gossiper.h"
#include "MemberCodec.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include "p2p/Membership.h"
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>

namespace {

/// No other node answers: receive() only queues forwards, which are never flushed.
class NoTransport: public p2p::gossip::GossipTransport
{
public:
	p2p::gossip::GossipMessage exchange(const std::string& url, const p2p::gossip::GossipMessage&, Poco::Timespan) override
	{
		throw p2p::BadGatewayException("no node at " + url);
	}

	void rumour(const std::string& url, const p2p::gossip::GossipMessage&, Poco::Timespan) override
	{
		throw p2p::BadGatewayException("no node at " + url);
	}

	bool probeVia(const std::string&, const p2p::Member&, Poco::Timespan) override { return false; }
};

void require(bool condition)
{
	if (!condition) __builtin_trap();
}

p2p::Member member(const std::string& id, int port, p2p::MemberState state, Poco::UInt64 incarnation)
{
	p2p::Member m;
	m.id = id;
	m.url = "http://127.0.0.1:" + std::to_string(port);
	m.state = state;
	m.incarnation = incarnation;
	return m;
}

std::map<std::string, p2p::Member> snapshot(const p2p::Membership& view)
{
	std::map<std::string, p2p::Member> byId;
	for (const auto& m : view.members()) byId.emplace(m.id, m);
	return byId;
}

bool same(const std::map<std::string, p2p::Member>& a, const std::map<std::string, p2p::Member>& b)
{
	if (a.size() != b.size()) return false;
	for (const auto& [id, m] : a)
	{
		auto it = b.find(id);
		if (it == b.end() || it->second.url != m.url || it->second.state != m.state ||
		    it->second.incarnation != m.incarnation)
			return false;
	}
	return true;
}

/// SWIM's order: no member is removed by a merge, no incarnation decreases,
/// and at the same incarnation no state becomes milder.
void requireMonotone(const std::map<std::string, p2p::Member>& before, const std::map<std::string, p2p::Member>& after)
{
	for (const auto& [id, old] : before)
	{
		auto it = after.find(id);
		require(it != after.end());
		require(it->second.incarnation >= old.incarnation);
		require(it->second.incarnation > old.incarnation || it->second.state >= old.state);
	}
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	const std::string text(reinterpret_cast<const char*>(data), size);
	const bool asText = text.rfind("p2p-gossip", 0) == 0;
	p2p::gossip::GossipMessage message;
	try
	{
		message = asText ? p2p::gossip::GossipMessage::fromText(text, 1000)
		                 : p2p::gossip::GossipMessage::fromJson(*p2p::json::asObject(p2p::json::parse(text)), 64);
	}
	catch (const p2p::BadRequestException&)
	{
		return 0;
	}

	p2p::Membership view({"self", "http://127.0.0.1:5000"});
	view.update(member("node1", 5001, p2p::MemberState::Alive, 5));
	view.update(member("node2", 5002, p2p::MemberState::Suspect, 3));
	view.update(member("node3", 5003, p2p::MemberState::Dead, 7));
	NoTransport transport;
	p2p::gossip::Gossiper gossiper(view, transport, {});
	view.subscribe([&gossiper](const p2p::MembershipEvent& event) { gossiper.observe(event); });

	const auto before = snapshot(view);
	const p2p::gossip::GossipMessage answer = gossiper.receive(message, true);
	const auto after = snapshot(view);

	require(after.count("self") == 0);
	const p2p::Member self = gossiper.self();
	require(self.state == p2p::MemberState::Alive);
	std::vector<p2p::Member> news(message.members);
	if (message.from) news.push_back(*message.from);
	for (const auto& rumour : news)
	{
		if (rumour.id == "self" && rumour.state != p2p::MemberState::Alive &&
		    rumour.incarnation < p2p::gossip::MemberCodec::kMaxIncarnation)
			require(self.incarnation > rumour.incarnation);
	}
	for (const auto& [id, m] : after)
	{
		if (before.count(id)) continue;
		// Dead only if the same message also told of it alive or suspect.
		const bool heardAlive = std::any_of(news.begin(), news.end(), [&, &i = id](const p2p::Member& n) {
			return n.id == i && n.state != p2p::MemberState::Dead;
		});
		require(m.state != p2p::MemberState::Dead || heardAlive);
	}
	requireMonotone(before, after);

	// The same message again may still add news the first pass could not
	// take (the death of a member the message itself introduced), but never
	// undoes any; a third pass changes nothing.
	gossiper.receive(message, true);
	const auto second = snapshot(view);
	requireMonotone(after, second);
	gossiper.receive(message, true);
	require(same(snapshot(view), second));

	// Our answer must be readable by the node that asked (no entry cap is ours to assume).
	const auto read = asText ? p2p::gossip::GossipMessage::fromText(answer.toText(), 1 << 20)
	                         : p2p::gossip::GossipMessage::fromJson(*answer.toJson(), 1 << 20);
	require(read.members.size() == answer.members.size());
	require(read.fullState == answer.fullState && read.digest == answer.digest);
	return 0;
}
