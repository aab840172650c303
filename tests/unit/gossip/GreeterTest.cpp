#include "Greeter.h"
#include "RecordingTransport.h"
#include <cppunit/extensions/HelperMacros.h>

using p2p::Member;
using p2p::MemberState;
using p2p::gossip::GossipMessage;
using p2p::gossip::Greeter;
using p2p::gossip::test::aliveMember;
using p2p::gossip::test::RecordingTransport;

/// Greetings: planned once, when the view is first filled; every member
/// not dead greeted once, in batches; the answers handed back to merge.
class GreeterTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(GreeterTest);
	CPPUNIT_TEST(testNothingIsPlannedBeforeTheViewIsSynced);
	CPPUNIT_TEST(testEveryMemberNotDeadIsGreetedOnceInBatches);
	CPPUNIT_TEST(testGreetingsArePlannedOnce);
	CPPUNIT_TEST(testAMemberGoneSinceIsCountedAndSkipped);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_view = std::make_unique<p2p::Membership>(p2p::NodeIdentity{"self", "http://self:1"});
		_transport = std::make_unique<RecordingTransport>();
		_greeter = std::make_unique<Greeter>(*_transport, Poco::Timespan(0, 1000));
	}

	void testNothingIsPlannedBeforeTheViewIsSynced()
	{
		_view->update(aliveMember("a"));
		CPPUNIT_ASSERT(!_greeter->plan(*_view)); // joined, not yet synced
		_view->markSynced();
		Member dead = aliveMember("a");
		dead.state = MemberState::Dead;
		dead.incarnation = 2;
		_view->update(dead);
		CPPUNIT_ASSERT(!_greeter->plan(*_view)); // nobody to greet: whoever comes greets us
		CPPUNIT_ASSERT(!_greeter->pending());
	}

	void testEveryMemberNotDeadIsGreetedOnceInBatches()
	{
		const std::size_t members = Greeter::kPerBatch + 10;
		for (std::size_t i = 0; i < members; ++i) _view->update(aliveMember("m" + std::to_string(i)));
		Member dead = aliveMember("gone");
		dead.state = MemberState::Dead;
		_view->update(dead);
		_view->markSynced();
		CPPUNIT_ASSERT(_greeter->plan(*_view));

		const auto first = _greeter->greetNext(hello());
		CPPUNIT_ASSERT_EQUAL(Greeter::kPerBatch, first.size());
		CPPUNIT_ASSERT(_greeter->pending());
		CPPUNIT_ASSERT_EQUAL(std::size_t(10), _greeter->greetNext(hello()).size());
		CPPUNIT_ASSERT(!_greeter->pending());
		CPPUNIT_ASSERT(_greeter->greetNext(hello()).empty());

		std::set<std::string> greeted;
		for (const auto& sent : _transport->exchanges())
		{
			CPPUNIT_ASSERT(sent.message.push);
			CPPUNIT_ASSERT_EQUAL(std::string("self"), sent.message.from->id);
			greeted.insert(sent.url);
		}
		CPPUNIT_ASSERT_EQUAL(members, greeted.size());
		CPPUNIT_ASSERT(!greeted.count("http://gone:1"));
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(members), _greeter->sent());
	}

	void testGreetingsArePlannedOnce()
	{
		_view->update(aliveMember("a"));
		_view->markSynced();
		CPPUNIT_ASSERT(_greeter->plan(*_view));
		_greeter->greetNext(hello());
		_view->update(aliveMember("b"));
		CPPUNIT_ASSERT(!_greeter->plan(*_view)); // b greets us, or a sync tells it
		CPPUNIT_ASSERT(!_greeter->pending());
	}

	void testAMemberGoneSinceIsCountedAndSkipped()
	{
		_view->update(aliveMember("a"));
		_view->update(aliveMember("b"));
		_view->markSynced();
		_transport->down("http://a:1");
		CPPUNIT_ASSERT(_greeter->plan(*_view));
		const auto answers = _greeter->greetNext(hello());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), answers.size());
		CPPUNIT_ASSERT_EQUAL(std::string("http://b:1"), answers.front().from->id);
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(2), _greeter->sent());
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(1), _greeter->failed());
	}

private:
	static GossipMessage hello()
	{
		GossipMessage message;
		message.from = aliveMember("self");
		message.push = true;
		return message;
	}

	std::unique_ptr<p2p::Membership> _view;
	std::unique_ptr<RecordingTransport> _transport;
	std::unique_ptr<Greeter> _greeter;
};

CPPUNIT_TEST_SUITE_REGISTRATION(GreeterTest);
