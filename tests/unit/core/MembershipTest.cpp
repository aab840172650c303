#include "p2p/Membership.h"
#include <cppunit/extensions/HelperMacros.h>
#include <map>

using p2p::Member;
using p2p::MemberState;
using p2p::Membership;
using p2p::MembershipEvent;

class MembershipTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(MembershipTest);
	CPPUNIT_TEST(testJoinAndNotify);
	CPPUNIT_TEST(testSelfIsIgnored);
	CPPUNIT_TEST(testViewIsBounded);
	CPPUNIT_TEST(testHigherIncarnationWins);
	CPPUNIT_TEST(testGraverStateWinsAtSameIncarnation);
	CPPUNIT_TEST(testRefreshIsNotAChange);
	CPPUNIT_TEST(testRemoveNotifiesLeft);
	CPPUNIT_TEST(testUnsubscribe);
	CPPUNIT_TEST(testListenerMayChangeTheView);
	CPPUNIT_TEST(testCountsByState);
	CPPUNIT_TEST(testSampleIsUniformAndEligibleOnly);
	CPPUNIT_TEST(testSampleAfterRemovalsAndAmongFewEligible);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_view = std::make_unique<Membership>(p2p::NodeIdentity{"me", "http://me:5000"});
		_events.clear();
		_view->subscribe([this](const MembershipEvent& e) { _events.push_back(e); });
	}

	void testJoinAndNotify()
	{
		CPPUNIT_ASSERT(_view->update(member("b", 0, MemberState::Alive)));
		CPPUNIT_ASSERT(_view->update(member("a", 0, MemberState::Alive)));
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), _view->size());
		CPPUNIT_ASSERT_EQUAL(std::string("a"), _view->members()[0].id);
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), _events.size());
		CPPUNIT_ASSERT(_events[0].kind == MembershipEvent::Kind::Joined);
	}

	void testCountsByState()
	{
		_view->update(member("a", 0, MemberState::Alive));
		_view->update(member("b", 0, MemberState::Suspect));
		_view->update(member("c", 0, MemberState::Dead));
		_view->update(member("d", 0, MemberState::Alive));
		const auto counts = _view->countByState();
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), counts[static_cast<std::size_t>(MemberState::Alive)]);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), counts[static_cast<std::size_t>(MemberState::Suspect)]);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), counts[static_cast<std::size_t>(MemberState::Dead)]);
	}

	void testSampleIsUniformAndEligibleOnly()
	{
		for (int i = 0; i < 10; ++i) _view->update(member("m" + std::to_string(i), 0, i == 3 ? MemberState::Dead : MemberState::Alive));
		std::mt19937 random(7);
		const auto alive = [](const Member& m) { return m.state == MemberState::Alive; };
		CPPUNIT_ASSERT_EQUAL(std::size_t(9), _view->sample(50, random, alive).size()); // all there are
		std::map<std::string, int> picked;
		for (int round = 0; round < 9000; ++round)
		{
			const auto two = _view->sample(2, random, alive);
			CPPUNIT_ASSERT_EQUAL(std::size_t(2), two.size());
			CPPUNIT_ASSERT(two[0].id != two[1].id);
			for (const auto& m : two) ++picked[m.id];
		}
		CPPUNIT_ASSERT_EQUAL(0, picked["m3"]); // dead: never eligible
		// 18,000 picks over 9 members: 2,000 each, give or take a few percent.
		for (const auto& [id, count] : picked)
			if (id != "m3") CPPUNIT_ASSERT_MESSAGE(id + ": " + std::to_string(count), count > 1800 && count < 2200);
		CPPUNIT_ASSERT(_view->sample(0, random, alive).empty());
	}

	void testSampleAfterRemovalsAndAmongFewEligible()
	{
		// Picks by position must follow removals (the last member moves into
		// the gap); a view mostly dead falls back to the scan.
		for (int i = 0; i < 200; ++i) _view->update(member("m" + std::to_string(i), 0, i % 20 == 0 ? MemberState::Alive : MemberState::Dead));
		for (int i = 1; i < 200; i += 2) _view->remove("m" + std::to_string(i));
		CPPUNIT_ASSERT_EQUAL(std::size_t(100), _view->size());
		std::mt19937 random(11);
		std::map<std::string, int> picked;
		for (int round = 0; round < 4000; ++round)
		{
			for (const auto& m : _view->sample(3, random, nullptr)) CPPUNIT_ASSERT_MESSAGE(m.id, std::stoi(m.id.substr(1)) % 2 == 0);
			const auto alive = _view->sample(2, random, [](const Member& m) { return m.state == MemberState::Alive; });
			CPPUNIT_ASSERT_EQUAL(std::size_t(2), alive.size());
			CPPUNIT_ASSERT(alive[0].id != alive[1].id);
			for (const auto& m : alive) ++picked[m.id];
		}
		// 10 alive (m0, m20, ... m180), 8,000 picks: 800 each, give or take.
		CPPUNIT_ASSERT_EQUAL(std::size_t(10), picked.size());
		for (const auto& [id, count] : picked) CPPUNIT_ASSERT_MESSAGE(id + ": " + std::to_string(count), count > 680 && count < 920);
	}

	void testSelfIsIgnored()
	{
		CPPUNIT_ASSERT(!_view->update(member("me", 5, MemberState::Dead)));
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), _view->size());
	}

	void testViewIsBounded()
	{
		Membership small(p2p::NodeIdentity{"me", "http://me:5000"}, 2);
		CPPUNIT_ASSERT(small.update(member("a", 0, MemberState::Alive)));
		CPPUNIT_ASSERT(small.update(member("b", 0, MemberState::Alive)));
		CPPUNIT_ASSERT(!small.update(member("c", 0, MemberState::Alive)));
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), small.size());
		// News of those it holds still counts.
		CPPUNIT_ASSERT(small.update(member("a", 1, MemberState::Suspect)));
	}

	void testHigherIncarnationWins()
	{
		_view->update(member("a", 1, MemberState::Suspect));
		CPPUNIT_ASSERT(!_view->update(member("a", 0, MemberState::Alive))); // stale
		CPPUNIT_ASSERT(_view->update(member("a", 2, MemberState::Alive)));  // refuted
		Member a;
		CPPUNIT_ASSERT(_view->find("a", a));
		CPPUNIT_ASSERT(a.state == MemberState::Alive);
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(2), a.incarnation);
		CPPUNIT_ASSERT(_events.back().kind == MembershipEvent::Kind::Changed);
	}

	void testGraverStateWinsAtSameIncarnation()
	{
		_view->update(member("a", 3, MemberState::Alive));
		CPPUNIT_ASSERT(_view->update(member("a", 3, MemberState::Suspect)));
		CPPUNIT_ASSERT(!_view->update(member("a", 3, MemberState::Alive)));
		CPPUNIT_ASSERT(_view->update(member("a", 3, MemberState::Dead)));
		CPPUNIT_ASSERT(_view->alive().empty());
	}

	void testRefreshIsNotAChange()
	{
		Member a = member("a", 0, MemberState::Alive);
		_view->update(a);
		a.lastSeen += 5 * 1000000;
		CPPUNIT_ASSERT(!_view->update(a));
		Member known;
		_view->find("a", known);
		CPPUNIT_ASSERT(known.lastSeen == a.lastSeen);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), _events.size());
		a.url = "http://moved:5000"; // same incarnation, new address: a change
		CPPUNIT_ASSERT(_view->update(a));
	}

	void testRemoveNotifiesLeft()
	{
		_view->update(member("a", 0, MemberState::Alive));
		CPPUNIT_ASSERT(_view->remove("a"));
		CPPUNIT_ASSERT(!_view->remove("a"));
		CPPUNIT_ASSERT(_events.back().kind == MembershipEvent::Kind::Left);
		CPPUNIT_ASSERT_EQUAL(std::string("a"), _events.back().member.id);
	}

	void testUnsubscribe()
	{
		int calls = 0;
		const int id = _view->subscribe([&](const MembershipEvent&) { ++calls; });
		_view->update(member("a", 0, MemberState::Alive));
		_view->unsubscribe(id);
		_view->update(member("b", 0, MemberState::Alive));
		CPPUNIT_ASSERT_EQUAL(1, calls);
	}

	void testListenerMayChangeTheView()
	{
		// A listener that reacts to a join by changing the view and
		// unsubscribing itself must neither deadlock nor crash.
		int id = 0;
		id = _view->subscribe([&](const MembershipEvent& e) {
			if (e.member.id == "a") _view->update(member("b", 0, MemberState::Alive));
			_view->unsubscribe(id);
		});
		_view->update(member("a", 0, MemberState::Alive));
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), _view->size());
	}

private:
	static Member member(const std::string& id, Poco::UInt64 incarnation, MemberState state)
	{
		Member m;
		m.id = id;
		m.url = "http://" + id + ":5000";
		m.incarnation = incarnation;
		m.state = state;
		return m;
	}

	std::unique_ptr<Membership> _view;
	std::vector<MembershipEvent> _events;
};

CPPUNIT_TEST_SUITE_REGISTRATION(MembershipTest);
