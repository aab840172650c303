#include "RingPlacement.h"
#include <atomic>
#include <cppunit/extensions/HelperMacros.h>
#include <thread>

using p2p::Member;
using p2p::MemberState;
using p2p::Membership;
using p2p::dhtrouter::RingPlacement;

class RingPlacementTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(RingPlacementTest);
	CPPUNIT_TEST(testAloneThisNodeOwnsEverything);
	CPPUNIT_TEST(testFollowsTheViewInBatches);
	CPPUNIT_TEST(testDeadMembersLeaveTheRingSuspectsStay);
	CPPUNIT_TEST(testLookupsDuringARebuildAlwaysFindARing);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_view = std::make_unique<Membership>(p2p::NodeIdentity{"me", "http://me:5000"});
		_placement = std::make_unique<RingPlacement>(*_view, 1009);
		_view->subscribe([this](const p2p::MembershipEvent&) { _placement->invalidate(); });
	}

	void testAloneThisNodeOwnsEverything()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("me"), _placement->responsible("anything").id);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), _placement->preferenceList("anything", 3).size());
	}

	void testFollowsTheViewInBatches()
	{
		_placement->ring();
		const auto before = _placement->generation();
		for (int i = 0; i < 10; ++i) _view->update(member("n" + std::to_string(i), MemberState::Alive));
		CPPUNIT_ASSERT_EQUAL(std::size_t(11), _placement->ring()->nodeCount());
		CPPUNIT_ASSERT_EQUAL(before + 1, _placement->generation()); // ten joins, one rebuild
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), _placement->preferenceList("k", 3).size());
		_view->remove("n3");
		CPPUNIT_ASSERT_EQUAL(std::size_t(10), _placement->ring()->nodeCount());
	}

	void testDeadMembersLeaveTheRingSuspectsStay()
	{
		_view->update(member("a", MemberState::Alive));
		_view->update(member("b", MemberState::Alive));
		Member b = member("b", MemberState::Suspect);
		_view->update(b);
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), _placement->ring()->nodeCount());
		b.state = MemberState::Dead;
		_view->update(b);
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), _placement->ring()->nodeCount());
	}

	void testLookupsDuringARebuildAlwaysFindARing()
	{
		// A fresh placement looked up from many threads at once while its
		// first ring is built (200 nodes: long enough to overlap) and while
		// the view changes: each lookup gets the old ring or the new, never none.
		for (int i = 0; i < 200; ++i) _view->update(member("m" + std::to_string(i), MemberState::Alive));
		for (int round = 0; round < 3; ++round)
		{
			std::atomic<bool> go{false};
			std::atomic<int> answered{0};
			auto fresh = std::make_unique<p2p::dhtrouter::RingPlacement>(*_view, 65537);
			std::vector<std::thread> threads;
			for (int t = 0; t < 8; ++t)
				threads.emplace_back([&] {
					while (!go) std::this_thread::yield();
					for (int i = 0; i < 50; ++i) answered += fresh->preferenceList("k" + std::to_string(i), 3).empty() ? 0 : 1;
				});
			go = true;
			_view->update(member("r" + std::to_string(round), MemberState::Alive));
			fresh->invalidate();
			for (auto& thread : threads) thread.join();
			CPPUNIT_ASSERT_EQUAL(400, answered.load());
		}
	}

private:
	static Member member(const std::string& id, MemberState state)
	{
		Member m;
		m.id = id;
		m.url = "http://" + id + ":5000";
		m.state = state;
		return m;
	}

	std::unique_ptr<Membership> _view;
	std::unique_ptr<RingPlacement> _placement;
};

CPPUNIT_TEST_SUITE_REGISTRATION(RingPlacementTest);
