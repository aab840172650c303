#include "RecordingTransport.h"
#include "RumourRelay.h"
#include <cppunit/extensions/HelperMacros.h>

using p2p::Member;
using p2p::MemberState;
using p2p::gossip::GossipMessage;
using p2p::gossip::RumourRelay;
using p2p::gossip::test::aliveMember;
using p2p::gossip::test::RecordingTransport;

/// The seed's rumours: passed on once per id to fanout live members while
/// their TTL lasts, only members' URLs travelling on; the others kept as
/// introductions, within bounds.
class RumourRelayTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(RumourRelayTest);
	CPPUNIT_TEST(testARumourGoesToFanoutLiveMembersOtherThanItsSender);
	CPPUNIT_TEST(testARumourIsRelayedOnceWithOneForwardLessCappedAtMaxTtl);
	CPPUNIT_TEST(testARumourWithNoForwardsLeftStops);
	CPPUNIT_TEST(testOnlyMembersUrlsTravelOn);
	CPPUNIT_TEST(testUrlsThatAreNotMembersBecomeIntroductionsOnce);
	CPPUNIT_TEST(testIntroductionsAndTheOutboxAreBounded);
	CPPUNIT_TEST(testFlushSendsABatchAndCountsFailures);
	CPPUNIT_TEST(testAMessageWithoutTtlOrPeersIsNotARumour);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_view = std::make_unique<p2p::Membership>(p2p::NodeIdentity{"self", "http://self:1"});
		for (const char* id : {"a", "b", "c", "d", "e"}) _view->update(aliveMember(id));
		Member dead = aliveMember("x");
		dead.state = MemberState::Dead;
		_view->update(dead);
		_transport = std::make_unique<RecordingTransport>();
		_relay = std::make_unique<RumourRelay>(*_view, *_transport, RumourRelay::Settings{3, 2, Poco::Timespan(0, 1000)});
	}

	void testARumourGoesToFanoutLiveMembersOtherThanItsSender()
	{
		GossipMessage rumour = rumourFrom("a", 2);
		_relay->relay(rumour, self());
		CPPUNIT_ASSERT(_relay->hasOutbox());
		_relay->flush();
		const auto sent = _transport->rumours();
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), sent.size());
		std::set<std::string> targets;
		for (const auto& s : sent)
		{
			targets.insert(s.url);
			CPPUNIT_ASSERT(s.url != "http://a:1" && s.url != "http://x:1");
			CPPUNIT_ASSERT_EQUAL(std::string("self"), s.message.from->id);
		}
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), targets.size());
		CPPUNIT_ASSERT(!_relay->hasOutbox());
	}

	void testARumourIsRelayedOnceWithOneForwardLessCappedAtMaxTtl()
	{
		GossipMessage rumour = rumourFrom("a", 99); // capped to maxTtl = 2
		_relay->relay(rumour, self());
		_relay->relay(rumour, self());
		_relay->flush();
		const auto sent = _transport->rumours();
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), sent.size());
		CPPUNIT_ASSERT_EQUAL(1, sent.front().message.ttl);
		CPPUNIT_ASSERT_EQUAL(rumour.id, sent.front().message.id);
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(1), _relay->stats().droppedDuplicate);
	}

	void testARumourWithNoForwardsLeftStops()
	{
		GossipMessage rumour = rumourFrom("a", 0);
		rumour.peers = {"http://a:1"}; // a rumour by its peers, without forwards
		_relay->relay(rumour, self());
		CPPUNIT_ASSERT(!_relay->hasOutbox());
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(1), _relay->stats().droppedTtl);
	}

	void testOnlyMembersUrlsTravelOn()
	{
		GossipMessage rumour = rumourFrom("a", 2);
		rumour.peers = {"http://b:1", "http://stranger:1", "http://self:1"};
		_relay->relay(rumour, self());
		_relay->flush();
		const auto onward = _transport->rumours().front().message.peers;
		CPPUNIT_ASSERT((onward == std::vector<std::string>{"http://b:1", "http://self:1"}));

		GossipMessage strangersOnly = rumourFrom("a", 2);
		strangersOnly.peers = {"http://stranger:1"};
		_relay->relay(strangersOnly, self());
		_relay->flush();
		// Still a rumour to its receivers, naming this node only.
		CPPUNIT_ASSERT((_transport->rumours().back().message.peers == std::vector<std::string>{"http://self:1"}));
	}

	void testUrlsThatAreNotMembersBecomeIntroductionsOnce()
	{
		GossipMessage rumour = rumourFrom("a", 2);
		rumour.peers = {"http://b:1", "http://new1:1", "http://self:1", "http://new2:1"};
		_relay->relay(rumour, self());
		CPPUNIT_ASSERT((_relay->takeIntroductions(1) == std::vector<std::string>{"http://new1:1"}));
		CPPUNIT_ASSERT((_relay->takeIntroductions(5) == std::vector<std::string>{"http://new2:1"}));
		CPPUNIT_ASSERT(_relay->takeIntroductions(5).empty());
	}

	void testIntroductionsAndTheOutboxAreBounded()
	{
		for (std::size_t i = 0; i < RumourRelay::kMaxOutbox; ++i)
		{
			GossipMessage rumour = rumourFrom("a", 2);
			rumour.peers = {"http://n" + std::to_string(i) + ":1"};
			_relay->relay(rumour, self());
		}
		CPPUNIT_ASSERT_EQUAL(RumourRelay::kMaxIntroductions, _relay->takeIntroductions(100000).size());
		std::size_t queued = 0;
		while (_relay->hasOutbox())
		{
			_relay->flush();
			queued = _transport->rumours().size();
		}
		CPPUNIT_ASSERT_EQUAL(RumourRelay::kMaxOutbox, queued);
	}

	void testFlushSendsABatchAndCountsFailures()
	{
		_transport->down("http://b:1");
		for (int i = 0; i < 20; ++i) _relay->relay(rumourFrom("a", 2), self()); // 60 to send
		_relay->flush();
		CPPUNIT_ASSERT_EQUAL(RumourRelay::kFlushBatch, _transport->rumours().size());
		CPPUNIT_ASSERT(_relay->hasOutbox());
		while (_relay->hasOutbox()) _relay->flush();
		const auto stats = _relay->stats();
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(60), stats.sent);
		std::size_t toB = 0;
		for (const auto& s : _transport->rumours()) toB += s.url == "http://b:1";
		CPPUNIT_ASSERT(toB > 0);
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(toB), stats.failed);
	}

	void testAMessageWithoutTtlOrPeersIsNotARumour()
	{
		GossipMessage probe;
		probe.from = aliveMember("a");
		_relay->relay(probe, self());
		_relay->relay(probe, self());
		CPPUNIT_ASSERT(!_relay->hasOutbox());
		const auto stats = _relay->stats();
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(0), stats.droppedDuplicate + stats.droppedTtl);
	}

private:
	static Member self() { return aliveMember("self"); }

	GossipMessage rumourFrom(const std::string& id, int ttl)
	{
		GossipMessage rumour;
		rumour.id = "r" + std::to_string(++_ids);
		rumour.ttl = ttl;
		rumour.from = aliveMember(id);
		return rumour;
	}

	std::unique_ptr<p2p::Membership> _view;
	std::unique_ptr<RecordingTransport> _transport;
	std::unique_ptr<RumourRelay> _relay;
	int _ids = 0;
};

CPPUNIT_TEST_SUITE_REGISTRATION(RumourRelayTest);
