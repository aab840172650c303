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
	CPPUNIT_TEST(testConfirmationsShortenTheSuspicionOnALogScale);
	CPPUNIT_TEST(testASmallNetworkWantsFewerConfirmations);
	CPPUNIT_TEST(testAccusersAreCountedOncePerIncarnation);
	CPPUNIT_TEST(testALoneAccuserWaitsTheLongestAndOthersCutItShort);
	CPPUNIT_TEST_SUITE_END();

	static constexpr Poco::Timestamp::TimeDiff kSuspectTimeoutUs = 50 * 1000;

public:
	void setUp() override
	{
		_view = std::make_unique<p2p::Membership>(p2p::NodeIdentity{"me", "http://me:1"});
		_detector = std::make_unique<FailureDetector>(
			*_view, FailureDetector::Timeouts{Poco::Timespan(kSuspectTimeoutUs), Poco::Timespan(kSuspectTimeoutUs), 2});
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

	void testConfirmationsShortenTheSuspicionOnALogScale()
	{
		const FailureDetector::Timeouts t{Poco::Timespan(5, 0), Poco::Timespan(30, 0), 2};
		CPPUNIT_ASSERT(FailureDetector::timeoutFor(t, 1, 20) == Poco::Timespan(30, 0));
		CPPUNIT_ASSERT(FailureDetector::timeoutFor(t, 0, 20) == Poco::Timespan(30, 0)); // a rumour naming no one
		// 30 - 25 * log 2 / log 3: the first confirmation takes most of the way.
		const auto one = FailureDetector::timeoutFor(t, 2, 20).totalMilliseconds();
		CPPUNIT_ASSERT_MESSAGE(std::to_string(one), one > 14200 && one < 14300);
		CPPUNIT_ASSERT(FailureDetector::timeoutFor(t, 3, 20) == Poco::Timespan(5, 0));
		CPPUNIT_ASSERT(FailureDetector::timeoutFor(t, 8, 20) == Poco::Timespan(5, 0)); // never below the shortest
	}

	void testASmallNetworkWantsFewerConfirmations()
	{
		const FailureDetector::Timeouts t{Poco::Timespan(5, 0), Poco::Timespan(30, 0), 2};
		// Of three nodes one accuses the third and only one can confirm.
		CPPUNIT_ASSERT(FailureDetector::timeoutFor(t, 1, 3) == Poco::Timespan(30, 0));
		CPPUNIT_ASSERT(FailureDetector::timeoutFor(t, 2, 3) == Poco::Timespan(5, 0));
		// Of two, the other is all there is.
		CPPUNIT_ASSERT(FailureDetector::timeoutFor(t, 1, 2) == Poco::Timespan(5, 0));
	}

	void testAccusersAreCountedOncePerIncarnation()
	{
		CPPUNIT_ASSERT(_detector->suspect(member("n3", MemberState::Alive, 4)));
		CPPUNIT_ASSERT(!_detector->suspect(member("n3", MemberState::Alive, 4))); // no news: already its accuser
		CPPUNIT_ASSERT(_detector->confirm("n3", 4, {"n5", "me"}));
		CPPUNIT_ASSERT(!_detector->confirm("n3", 4, {"n5"}));
		CPPUNIT_ASSERT(!_detector->confirm("n3", 3, {"n7"})); // of an older incarnation
		CPPUNIT_ASSERT(!_detector->confirm("n4", 0, {"n7"})); // of no suspicion here
		const auto accusers = _detector->accusersOf("n3", 4);
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), accusers.size());
		CPPUNIT_ASSERT_EQUAL(std::string("me"), accusers[0]);
		CPPUNIT_ASSERT_EQUAL(std::string("n5"), accusers[1]);
		CPPUNIT_ASSERT(_detector->confirm("n3", 4, {"n6", "n7", "n8"})); // only one more: three give the shortest
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), _detector->accusersOf("n3", 4).size());
		_view->update(member("n3", MemberState::Alive, 5)); // refuted: the accusers go with the clock
		CPPUNIT_ASSERT(_detector->accusersOf("n3", 4).empty());
	}

	void testALoneAccuserWaitsTheLongestAndOthersCutItShort()
	{
		FailureDetector lifeguard(*_view, FailureDetector::Timeouts{Poco::Timespan(0, 50 * 1000), Poco::Timespan(10, 0), 2});
		const int subscription = _view->subscribe([&](const p2p::MembershipEvent& event) { lifeguard.observe(event); });
		lifeguard.suspect(member("n3", MemberState::Alive, 0));
		Poco::Timestamp later;
		later += 1000 * 1000;
		CPPUNIT_ASSERT(lifeguard.expire(later).empty()); // one accuser: 10 s
		lifeguard.confirm("n3", 0, {"n1", "n2"});
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), lifeguard.expire(later).size()); // three: 50 ms
		_view->unsubscribe(subscription);
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
