#ifndef P2P_Tests_Gossip_LocalNetwork_INCLUDED
#define P2P_Tests_Gossip_LocalNetwork_INCLUDED

#include "Gossiper.h"
#include "p2p/Errors.h"
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>

namespace p2p::gossip::test {

/// Nodes in one process: a message to a URL is handed to that node's
/// Gossiper, through the wire forms HTTP would carry; a node taken down, or
/// a link cut, throws like an unreachable peer. Counts what exchanges move.
class LocalNetwork
{
public:
	struct Node;

	/// One node's transport: it knows who sends, so that links can be cut.
	class Link: public GossipTransport
	{
	public:
		Link(LocalNetwork& network, std::string from): _network(network), _from(std::move(from)) {}

		GossipMessage exchange(const std::string& to, const GossipMessage& message, Poco::Timespan) override
		{
			Gossiper& receiver = _network.reach(_from, to);
			const GossipMessage answer = receiver.receive(GossipMessage::fromText(message.toText(), 1 << 20));
			_network._entries += message.members.size() + answer.members.size();
			++_network._messages;
			return GossipMessage::fromText(answer.toText(), 1 << 20);
		}

		void rumour(const std::string& to, const GossipMessage& message, Poco::Timespan) override
		{
			_network.reach(_from, to).receive(GossipMessage::fromJson(*message.toJson(), 64), false);
		}

		bool probeVia(const std::string& helper, const Member& target, Poco::Timespan) override
		{
			return _network.reach(_from, helper).probe(target);
		}

	private:
		LocalNetwork& _network;
		const std::string _from;
	};

	struct Node
	{
		std::unique_ptr<p2p::Membership> view;
		std::unique_ptr<Link> link;
		std::unique_ptr<Gossiper> gossiper;
	};

	Node& add(const std::string& id, Gossiper::Settings settings)
	{
		auto node = std::make_unique<Node>();
		node->view = std::make_unique<p2p::Membership>(p2p::NodeIdentity{id, url(id)});
		node->link = std::make_unique<Link>(*this, url(id));
		node->gossiper = std::make_unique<Gossiper>(*node->view, *node->link, settings);
		Gossiper* gossiper = node->gossiper.get();
		node->view->subscribe([gossiper](const p2p::MembershipEvent& event) { gossiper->observe(event); });
		auto& added = *node;
		std::lock_guard<std::mutex> lock(_mutex);
		_nodes[url(id)] = std::move(node);
		return added;
	}

	static std::string url(const std::string& id) { return "http://" + id + ":1"; }

	void down(const std::string& id)
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_down.insert(url(id));
	}

	void up(const std::string& id)
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_down.erase(url(id));
	}

	/// No message between a and b (either way) while on.
	void cut(const std::string& a, const std::string& b, bool on)
	{
		std::lock_guard<std::mutex> lock(_mutex);
		const std::string first = url(a), second = url(b);
		const std::pair<std::string, std::string> link = std::minmax(first, second);
		if (on)
			_cuts.insert(link);
		else
			_cuts.erase(link);
	}

	/// Member entries carried by exchanges (both ways) since the last call.
	std::size_t takeEntries() { return _entries.exchange(0); }
	std::size_t takeMessages() { return _messages.exchange(0); }

	Node& node(const std::string& id) { return *_nodes.at(url(id)); }
	std::map<std::string, std::unique_ptr<Node>>& nodes() { return _nodes; }

private:
	Gossiper& reach(const std::string& from, const std::string& to)
	{
		std::lock_guard<std::mutex> lock(_mutex);
		if (_down.count(to) || !_nodes.count(to) || _cuts.count(std::minmax(from, to)))
			throw p2p::BadGatewayException("cannot reach " + to);
		return *_nodes[to]->gossiper;
	}

	std::mutex _mutex;
	std::map<std::string, std::unique_ptr<Node>> _nodes;
	std::set<std::string> _down;
	std::set<std::pair<std::string, std::string>> _cuts;
	std::atomic<std::size_t> _entries{0};
	std::atomic<std::size_t> _messages{0};
};

} // namespace p2p::gossip::test

#endif
