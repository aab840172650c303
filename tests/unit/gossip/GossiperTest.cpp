#include "LocalNetwork.h"
#include <cppunit/extensions/HelperMacros.h>

using p2p::Member;
using p2p::MemberState;
using p2p::gossip::GossipMessage;
using p2p::gossip::Gossiper;
using p2p::gossip::test::LocalNetwork;

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
	CPPUNIT_TEST(testAQuietNetworkSendsNoEntries);
	CPPUNIT_TEST(testNewsAloneReachesEveryNode);
	CPPUNIT_TEST(testSyncFillsInWhatNewsMissed);
	CPPUNIT_TEST(testAJoinIsGreetedNotSpread);
	CPPUNIT_TEST(testHalvesOfAPartitionFindEachOtherAgain);
	CPPUNIT_TEST(testANodeWhoseProbesGoUnansweredSlowsDownUntilTheyAreAnswered);
	CPPUNIT_TEST_SUITE_END();

public:
	void testNodesJoiningThroughOneSeedConverge()
	{
		LocalNetwork network;
		startNetwork(network, 20);
		int rounds = 0;
		while (!converged(network, 20) && rounds < 30)
		{
			runRounds(network, 1);
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
			runRounds(network, 1, "n5");
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
		CPPUNIT_ASSERT_EQUAL(1, network.node("n2").gossiper->health()); // others found it slow
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

	void testAQuietNetworkSendsNoEntries()
	{
		// Cost in proportion to change: once every change is spread, probes
		// carry the sender alone, and syncs of equal digests nothing more.
		LocalNetwork network;
		startNetwork(network, 10);
		runRounds(network, 40);
		CPPUNIT_ASSERT(converged(network, 10));
		network.takeEntries();
		network.takeMessages();
		runRounds(network, 5);
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), network.takeEntries());
		CPPUNIT_ASSERT(network.takeMessages() >= 10 * 5); // a probe (and a digest) per node and round
		for (auto& [url, node] : network.nodes())
		{
			CPPUNIT_ASSERT_EQUAL(std::size_t(0), node->gossiper->pendingNews());
			CPPUNIT_ASSERT_EQUAL(network.node("n0").gossiper->digest(), node->gossiper->digest());
		}
	}

	void testNewsAloneReachesEveryNode()
	{
		// No syncs after joining: a death found by one node reaches the
		// other 29 through news on probes, answers and spread rounds.
		LocalNetwork network;
		Gossiper::Settings s = settings();
		s.syncInterval = Poco::Timespan(3600, 0);
		for (int i = 0; i < 30; ++i) network.add("n" + std::to_string(i), s);
		for (int round = 0; round < 60 && !converged(network, 30); ++round) runRounds(network, 1);
		CPPUNIT_ASSERT(converged(network, 30));
		network.down("n7");
		int rounds = 0;
		for (; rounds < 60 && !everyoneSees(network, "n7", MemberState::Dead); ++rounds)
		{
			runRounds(network, 1, "n7");
			Poco::Thread::sleep(2);
		}
		CPPUNIT_ASSERT_MESSAGE("rounds: " + std::to_string(rounds), everyoneSees(network, "n7", MemberState::Dead));
	}

	void testSyncFillsInWhatNewsMissed()
	{
		LocalNetwork network;
		startNetwork(network, 3);
		runRounds(network, 10);
		// n1 hears of a member no news tells the others about (as a bootstrap
		// node's peer list would tell it): the digests now differ.
		network.add("late", settings());
		Member late = memberFor("late");
		late.incarnation = network.node("late").gossiper->self().incarnation;
		network.node("n1").view->update(late);
		CPPUNIT_ASSERT(network.node("n1").gossiper->digest() != network.node("n2").gossiper->digest());
		Member n2;
		CPPUNIT_ASSERT(network.node("n1").view->find("n2", n2));
		// Syncs come every round in these settings; one is enough.
		for (int round = 0; round < 10 && !network.node("n2").view->find("late", n2); ++round)
		{
			network.node("n1").gossiper->round();
			network.node("n2").gossiper->round();
		}
		Member found;
		CPPUNIT_ASSERT(network.node("n2").view->find("late", found));
	}

	void testAJoinIsGreetedNotSpread()
	{
		// A node that joins learns the network in one whole view and greets
		// every member itself: nobody spreads the join as news, and nobody
		// spreads the members the joiner learnt.
		LocalNetwork network;
		startNetwork(network, 12);
		runRounds(network, 40);
		CPPUNIT_ASSERT(converged(network, 12));
		auto& joiner = network.add("joiner", settings());
		joiner.gossiper->round(); // a sync with its seed: a whole view back, greetings planned
		CPPUNIT_ASSERT_EQUAL(std::size_t(12), joiner.view->alive().size());
		joiner.gossiper->spread();
		CPPUNIT_ASSERT(everyoneSees(network, "joiner", MemberState::Alive));
		for (auto& [url, node] : network.nodes()) CPPUNIT_ASSERT_EQUAL(std::size_t(0), node->gossiper->pendingNews());
	}

	void testHalvesOfAPartitionFindEachOtherAgain()
	{
		// Only the members held dead that each node tries heal it: no
		// periodic syncs, which would find the other half by chance.
		LocalNetwork network;
		Gossiper::Settings s = settings();
		s.syncInterval = Poco::Timespan(3600, 0);
		for (int i = 0; i < 6; ++i) network.add("n" + std::to_string(i), s);
		runRounds(network, 20);
		CPPUNIT_ASSERT(converged(network, 6));
		// n0..n2 and n3..n5 cannot reach each other: each half declares the
		// other dead.
		const auto cut = [&](bool on) {
			for (int i = 0; i < 6; ++i)
				for (int j = 0; j < 6; ++j)
					if ((i < 3) != (j < 3)) network.cut("n" + std::to_string(i), "n" + std::to_string(j), on);
		};
		cut(true);
		for (int round = 0; round < 100 && !everyoneSees(network, "n4", MemberState::Dead, {"n0", "n1", "n2"}); ++round)
		{
			runRounds(network, 1);
			Poco::Thread::sleep(2);
		}
		CPPUNIT_ASSERT(everyoneSees(network, "n4", MemberState::Dead, {"n0", "n1", "n2"}));
		cut(false);
		int rounds = 0;
		for (; rounds < 100 && !converged(network, 6); ++rounds) runRounds(network, 1);
		CPPUNIT_ASSERT_MESSAGE("rounds: " + std::to_string(rounds), converged(network, 6));
	}

	void testANodeWhoseProbesGoUnansweredSlowsDownUntilTheyAreAnswered()
	{
		LocalNetwork network;
		Gossiper::Settings s = settings();
		s.suspicion.shortest = s.suspicion.longest = Poco::Timespan(3600, 0); // suspects stay suspects, and are probed
		for (int i = 0; i < 4; ++i) network.add("n" + std::to_string(i), s);
		runRounds(network, 10);
		Gossiper& n0 = *network.node("n0").gossiper;
		CPPUNIT_ASSERT_EQUAL(0, n0.health());
		CPPUNIT_ASSERT(n0.scaled(Poco::Timespan(1, 0)) == Poco::Timespan(1, 0));
		// n0 alone is cut off, as if its own machine were too slow to answer.
		for (const char* other : {"n1", "n2", "n3"}) network.cut("n0", other, true);
		for (int round = 0; round < 2 * Gossiper::kMaxHealth; ++round) n0.round();
		CPPUNIT_ASSERT_EQUAL(Gossiper::kMaxHealth, n0.health()); // bounded
		CPPUNIT_ASSERT(n0.scaled(Poco::Timespan(1, 0)) == Poco::Timespan(1 + Gossiper::kMaxHealth, 0));
		for (const char* other : {"n1", "n2", "n3"}) network.cut("n0", other, false);
		for (int round = 0; round < 3 * Gossiper::kMaxHealth && n0.health() > 0; ++round) n0.round();
		CPPUNIT_ASSERT_EQUAL(0, n0.health());
	}

private:
	static Gossiper::Settings settings()
	{
		Gossiper::Settings s;
		s.fanout = 3;
		s.maxTtl = 2;
		s.maxEntries = 8; // smaller than the network: convergence must not need whole views
		s.suspicion.shortest = s.suspicion.longest = Poco::Timespan(0, 10 * 1000);
		s.syncInterval = Poco::Timespan(0);      // a sync every round
		s.reconnectInterval = Poco::Timespan(0); // and a member held dead tried every round
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
				if (url != LocalNetwork::url(except))
				{
					node->gossiper->round();
					node->gossiper->spread();
				}
	}

	static bool converged(LocalNetwork& network, int size)
	{
		for (auto& [url, node] : network.nodes())
			if (node->view->alive().size() != static_cast<std::size_t>(size - 1)) return false;
		return true;
	}

	/// Every node (of observers, when given) but id itself sees id in that state.
	static bool everyoneSees(LocalNetwork& network, const std::string& id, MemberState state,
	                         const std::set<std::string>& observers = {})
	{
		for (auto& [url, node] : network.nodes())
		{
			if (url == LocalNetwork::url(id)) continue;
			if (!observers.empty() && !observers.count(node->view->self().id)) continue;
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
