#include "FailureDetector.h"
#include <cppunit/extensions/HelperMacros.h>
#include <set>

using p2p::Member;
using p2p::MemberState;
using p2p::gossip::FailureDetector;

/// SWIM's bookkeeping: probe order, suspicion clocks; and the rumour selection.
class FailureDetectorTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(FailureDetectorTest);
	CPPUNIT_TEST(testEveryMemberIsProbedWithinTwoPasses);
	CPPUNIT_TEST(testDeadMembersAreNotProbed);
	CPPUNIT_TEST(testSuspicionRunsOutIntoDeath);
	CPPUNIT_TEST(testRefutationStopsTheClock);
	CPPUNIT_TEST(testMergeRulesOrderIncarnationThenState);
	CPPUNIT_TEST_SUITE_END();

	static constexpr Poco::Timestamp::TimeDiff kSuspectTimeoutUs = 50 * 1000;

public:
	void setUp() override
	{
		_view = std::make_unique<p2p::Membership>(p2p::NodeIdentity{"me", "http://me:1"});
		_detector = std::make_unique<FailureDetector>(*_view, Poco::Timespan(kSuspectTimeoutUs));
		_view->subscribe([this](const p2p::MembershipEvent& event) { _detector->observe(event); });
		for (int i = 0; i < 10; ++i) _view->update(member("n" + std::to_string(i), MemberState::Alive, 0));
	}

	void testEveryMemberIsProbedWithinTwoPasses()
	{
		std::set<std::string> probed;
		for (int i = 0; i < 20; ++i) probed.insert(_detector->nextTarget()->id);
		CPPUNIT_ASSERT_EQUAL(std::size_t(10), probed.size());
		std::multiset<std::string> onePass;
		for (int i = 0; i < 10; ++i) onePass.insert(_detector->nextTarget()->id);
		CPPUNIT_ASSERT_EQUAL(std::size_t(10), std::set<std::string>(onePass.begin(), onePass.end()).size());
	}

	void testDeadMembersAreNotProbed()
	{
		for (int i = 0; i < 9; ++i) _view->update(member("n" + std::to_string(i), MemberState::Dead, 0));
		for (int i = 0; i < 5; ++i) CPPUNIT_ASSERT_EQUAL(std::string("n9"), _detector->nextTarget()->id);
		const auto helpers = _detector->helpers(member("n9", MemberState::Alive, 0), 3);
		CPPUNIT_ASSERT(helpers.empty()); // no one alive but the target
	}

	void testSuspicionRunsOutIntoDeath()
	{
		CPPUNIT_ASSERT(!_detector->nextExpiry());
		const Poco::Timestamp before;
		CPPUNIT_ASSERT(_detector->suspect(member("n3", MemberState::Alive, 0)));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), _detector->suspects());
		const auto expiry = _detector->nextExpiry(); // when the probe thread must wake for it
		CPPUNIT_ASSERT(expiry && *expiry >= before + kSuspectTimeoutUs && *expiry <= Poco::Timestamp() + kSuspectTimeoutUs);
		CPPUNIT_ASSERT(_detector->expire(Poco::Timestamp()).empty()); // not yet
		Poco::Timestamp later;
		later += 100 * 1000;
		const auto dead = _detector->expire(later);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), dead.size());
		Member n3;
		_view->find("n3", n3);
		CPPUNIT_ASSERT(n3.state == MemberState::Dead);
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), _detector->suspects());
	}

	void testRefutationStopsTheClock()
	{
		_detector->suspect(member("n3", MemberState::Alive, 0));
		_view->update(member("n3", MemberState::Alive, 1)); // n3 refuted with a higher incarnation
		Poco::Timestamp later;
		later += 100 * 1000;
		CPPUNIT_ASSERT(_detector->expire(later).empty());
		Member n3;
		_view->find("n3", n3);
		CPPUNIT_ASSERT(n3.state == MemberState::Alive);
	}

	void testMergeRulesOrderIncarnationThenState()
	{
		CPPUNIT_ASSERT(_view->update(member("n1", MemberState::Suspect, 0)));  // graver at the same incarnation
		CPPUNIT_ASSERT(!_view->update(member("n1", MemberState::Alive, 0)));   // a stale "alive" cannot undo it
		CPPUNIT_ASSERT(_view->update(member("n1", MemberState::Alive, 1)));    // a refutation can
		CPPUNIT_ASSERT(_view->update(member("n1", MemberState::Dead, 1)));
		CPPUNIT_ASSERT(!_view->update(member("n1", MemberState::Suspect, 1))); // dead outranks suspect
		CPPUNIT_ASSERT(_view->update(member("n1", MemberState::Alive, 2)));    // it came back
	}

private:
	static Member member(const std::string& id, MemberState state, Poco::UInt64 incarnation)
	{
		Member m;
		m.id = id;
		m.url = "http://" + id + ":1";
		m.state = state;
		m.incarnation = incarnation;
		return m;
	}

	std::unique_ptr<p2p::Membership> _view;
	std::unique_ptr<FailureDetector> _detector;
};

CPPUNIT_TEST_SUITE_REGISTRATION(FailureDetectorTest);
