#include "Gossiper.h"
#include "p2p/Errors.h"
#include <cppunit/extensions/HelperMacros.h>
#include <map>
#include <mutex>
#include <set>

using p2p::Member;
using p2p::MemberState;
using p2p::gossip::GossipMessage;
using p2p::gossip::Gossiper;

namespace {

/// Nodes in one process: a message to a URL is handed to that node's
/// Gossiper; a node taken down throws like an unreachable peer.
class LocalNetwork: public p2p::gossip::GossipTransport
{
public:
	struct Node
	{
		std::unique_ptr<p2p::Membership> view;
		std::unique_ptr<Gossiper> gossiper;
	};

	Node& add(const std::string& id, Gossiper::Settings settings)
	{
		auto node = std::make_unique<Node>();
		node->view = std::make_unique<p2p::Membership>(p2p::NodeIdentity{id, url(id)});
		node->gossiper = std::make_unique<Gossiper>(*node->view, *this, settings);
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

	GossipMessage exchange(const std::string& to, const GossipMessage& message, Poco::Timespan) override
	{
		return reach(to).receive(message);
	}

	bool probeVia(const std::string& helper, const Member& target, Poco::Timespan) override
	{
		return reach(helper).probe(target);
	}

	Node& node(const std::string& id) { return *_nodes.at(url(id)); }
	std::map<std::string, std::unique_ptr<Node>>& nodes() { return _nodes; }

private:
	Gossiper& reach(const std::string& to)
	{
		std::lock_guard<std::mutex> lock(_mutex);
		if (_down.count(to) || !_nodes.count(to)) throw p2p::BadGatewayException("cannot reach " + to);
		return *_nodes[to]->gossiper;
	}

	std::mutex _mutex;
	std::map<std::string, std::unique_ptr<Node>> _nodes;
	std::set<std::string> _down;
};

} // namespace

class GossiperTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(GossiperTest);
	CPPUNIT_TEST(testNodesJoiningThroughOneSeedConverge);
	CPPUNIT_TEST(testNodesThatFoundEachOtherFirstStillReachTheSeed);
	CPPUNIT_TEST(testAKilledNodeIsSuspectedThenDeclaredDeadByAll);
	CPPUNIT_TEST(testASuspectedNodeRefutesAndStaysAlive);
	CPPUNIT_TEST(testRumoursAreForwardedOnceWhileTheirTtlLasts);
	CPPUNIT_TEST(testALeavingNodeIsDeadAtOnceAndComesBack);
	CPPUNIT_TEST(testHostileNewsIsNotTaken);
	CPPUNIT_TEST_SUITE_END();

public:
	void testNodesJoiningThroughOneSeedConverge()
	{
		LocalNetwork network;
		startNetwork(network, 20);
		int rounds = 0;
		while (!converged(network, 20) && rounds < 30)
		{
			for (auto& [url, node] : network.nodes()) node->gossiper->round();
			++rounds;
		}
		CPPUNIT_ASSERT_MESSAGE("rounds: " + std::to_string(rounds), converged(network, 20));
		for (auto& [url, node] : network.nodes())
			if (url != LocalNetwork::url("n0")) CPPUNIT_ASSERT_MESSAGE(url, node->view->synced()); // a seed answered
	}

	void testNodesThatFoundEachOtherFirstStillReachTheSeed()
	{
		// b and c start while their seed a is down and meet each other first.
		LocalNetwork network;
		startNetwork(network, 1); // n0, the seed
		Gossiper::Settings s = settings();
		network.add("b", s);
		network.add("c", s);
		network.down("n0");
		GossipMessage introduction; // a client tells b about c
		introduction.peers = {LocalNetwork::url("c")};
		network.node("b").gossiper->receive(introduction, false);
		runRounds(network, 3, "n0");
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), network.node("b").view->alive().size());
		network.up("n0");
		runRounds(network, 5);
		CPPUNIT_ASSERT(converged(network, 3));
	}

	void testAKilledNodeIsSuspectedThenDeclaredDeadByAll()
	{
		LocalNetwork network;
		startNetwork(network, 8);
		runRounds(network, 10);
		network.down("n5");
		const Poco::Timestamp killed;
		for (int round = 0; round < 60 && !everyoneSees(network, "n5", MemberState::Dead); ++round)
		{
			for (auto& [url, node] : network.nodes())
				if (url != LocalNetwork::url("n5")) node->gossiper->round();
			Poco::Thread::sleep(2); // lets the 10 ms suspicion clocks run out
		}
		CPPUNIT_ASSERT(everyoneSees(network, "n5", MemberState::Dead));
		for (const char* other : {"n0", "n1", "n2", "n3", "n4", "n6", "n7"})
			CPPUNIT_ASSERT_MESSAGE(other, everyoneSees(network, other, MemberState::Alive));
	}

	void testASuspectedNodeRefutesAndStaysAlive()
	{
		LocalNetwork network;
		startNetwork(network, 4);
		runRounds(network, 5);
		// n0 suspects n2 wrongly; n2 hears of it on its next exchange and refutes.
		Member n2;
		network.node("n0").view->find("n2", n2);
		network.node("n0").gossiper->detector().suspect(n2);
		const Poco::UInt64 before = network.node("n2").gossiper->self().incarnation;
		CPPUNIT_ASSERT(before > 1000000000); // the clock at start: newer than any earlier life
		network.node("n2").gossiper->probe(memberFor("n0")); // an exchange with n0
		CPPUNIT_ASSERT_EQUAL(before + 1, network.node("n2").gossiper->self().incarnation);
		runRounds(network, 3);
		CPPUNIT_ASSERT(everyoneSees(network, "n2", MemberState::Alive));
	}

	void testRumoursAreForwardedOnceWhileTheirTtlLasts()
	{
		LocalNetwork network;
		startNetwork(network, 6);
		runRounds(network, 10);
		GossipMessage rumour;
		rumour.id = "r1";
		rumour.ttl = 99; // capped to maxTtl = 2
		rumour.peers = {"http://n0:1"};
		network.node("n0").gossiper->receive(rumour);
		CPPUNIT_ASSERT(network.node("n0").gossiper->hasOutbox());
		for (int hop = 0; hop < 5; ++hop)
			for (auto& [url, node] : network.nodes()) node->gossiper->flush();
		Poco::UInt64 duplicates = 0, expired = 0;
		for (auto& [url, node] : network.nodes())
		{
			duplicates += node->gossiper->stats().droppedDuplicate;
			expired += node->gossiper->stats().droppedTtl;
			CPPUNIT_ASSERT(!node->gossiper->hasOutbox());
		}
		CPPUNIT_ASSERT(duplicates > 0); // six nodes, fanout 3: the rumour comes back
		CPPUNIT_ASSERT(expired > 0);    // and ends where its TTL does
		network.node("n0").gossiper->receive(rumour);
		CPPUNIT_ASSERT(!network.node("n0").gossiper->hasOutbox()); // seen: not forwarded again
	}

	void testALeavingNodeIsDeadAtOnceAndComesBack()
	{
		LocalNetwork network;
		startNetwork(network, 4);
		runRounds(network, 5);
		network.node("n3").gossiper->leave();
		network.down("n3");
		runRounds(network, 3, "n3");
		CPPUNIT_ASSERT(everyoneSees(network, "n3", MemberState::Dead));
		// Back with its old incarnation: it learns it is dead and refutes.
		network.up("n3");
		for (int round = 0; round < 10 && !everyoneSees(network, "n3", MemberState::Alive); ++round) runRounds(network, 1);
		CPPUNIT_ASSERT(everyoneSees(network, "n3", MemberState::Alive));
	}

	void testHostileNewsIsNotTaken()
	{
		LocalNetwork network;
		startNetwork(network, 3);
		runRounds(network, 3);
		auto& n0 = network.node("n0");
		GossipMessage news;
		Member ghost = memberFor("ghost");
		ghost.state = MemberState::Dead;
		news.members = {ghost};
		n0.gossiper->receive(news);
		Member found;
		CPPUNIT_ASSERT(!n0.view->find("ghost", found)); // the death of a stranger is no news
		// An indirect probe only reaches members, at the URL this node knows.
		CPPUNIT_ASSERT(!n0.gossiper->probe(memberFor("stranger")));
		Member n1 = memberFor("n1");
		n1.url = "http://elsewhere:1";
		CPPUNIT_ASSERT(n0.gossiper->probe(n1));
	}

private:
	static Gossiper::Settings settings()
	{
		Gossiper::Settings s;
		s.fanout = 3;
		s.maxTtl = 2;
		s.maxEntries = 8; // smaller than the network: convergence must not need whole views
		s.suspectTimeout = Poco::Timespan(0, 10 * 1000);
		s.seeds = {LocalNetwork::url("n0")};
		return s;
	}

	static void startNetwork(LocalNetwork& network, int size)
	{
		for (int i = 0; i < size; ++i) network.add("n" + std::to_string(i), settings());
	}

	static void runRounds(LocalNetwork& network, int rounds, const std::string& except = "")
	{
		for (int r = 0; r < rounds; ++r)
			for (auto& [url, node] : network.nodes())
				if (url != LocalNetwork::url(except)) node->gossiper->round();
	}

	static bool converged(LocalNetwork& network, int size)
	{
		for (auto& [url, node] : network.nodes())
			if (node->view->alive().size() != static_cast<std::size_t>(size - 1)) return false;
		return true;
	}

	/// Every node but id itself sees id in that state.
	static bool everyoneSees(LocalNetwork& network, const std::string& id, MemberState state)
	{
		for (auto& [url, node] : network.nodes())
		{
			if (url == LocalNetwork::url(id)) continue;
			Member member;
			if (!node->view->find(id, member) || member.state != state) return false;
		}
		return true;
	}

	static Member memberFor(const std::string& id)
	{
		Member m;
		m.id = id;
		m.url = LocalNetwork::url(id);
		return m;
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(GossiperTest);
