#include "GossipMessage.h"
#include "RecentIds.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include <cppunit/extensions/HelperMacros.h>

using p2p::gossip::GossipMessage;

/// The wire form of gossip, and the dedup of message ids.
class GossipMessageTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(GossipMessageTest);
	CPPUNIT_TEST(testSeedFormIsRead);
	CPPUNIT_TEST(testRoundTripWithMembers);
	CPPUNIT_TEST(testBadInputIsRefusedWhole);
	CPPUNIT_TEST(testAccusationsTravelInTheTextForm);
	CPPUNIT_TEST(testRecentIdsSeeEachIdOnceWithinCapacity);
	CPPUNIT_TEST_SUITE_END();

public:
	void testSeedFormIsRead()
	{
		const auto message = parse(R"({"peers": ["http://node1:5000"], "ttl": 2})");
		CPPUNIT_ASSERT_EQUAL(2, message.ttl);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), message.peers.size());
		CPPUNIT_ASSERT_EQUAL(std::string("http://node1:5000"), message.peers[0]);
		CPPUNIT_ASSERT(message.id.empty());
		CPPUNIT_ASSERT(!message.from);
	}

	void testRoundTripWithMembers()
	{
		GossipMessage message;
		message.id = "m1";
		p2p::Member a;
		a.id = "a";
		a.url = "http://127.0.0.1:5001";
		a.incarnation = 7;
		p2p::Member b = a;
		b.id = "b";
		b.state = p2p::MemberState::Suspect;
		message.from = a;
		message.members = {a, b};
		const auto back = parse(p2p::json::stringify(message.toJson()));
		CPPUNIT_ASSERT_EQUAL(std::string("m1"), back.id);
		CPPUNIT_ASSERT_EQUAL(std::string("a"), back.from->id);
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(7), back.from->incarnation);
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), back.members.size());
		CPPUNIT_ASSERT(back.members[1].state == p2p::MemberState::Suspect);
	}

	void testBadInputIsRefusedWhole()
	{
		const std::string many = [] {
			std::string list;
			for (int i = 0; i < 5; ++i) list += std::string(i ? "," : "") + "\"http://h:" + std::to_string(1000 + i) + "\"";
			return R"({"peers": [)" + list + "]}";
		}();
		const std::string bad[] = {
			R"({"peers": ["http://n:1"], "ttl": -1})",     // negative ttl
			R"({"peers": ["http://n:1"], "ttl": "two"})",  // ttl not a number
			R"({"peers": ["http://n:1"], "ttl": 1.5})",    // nor a fraction
			R"({"peers": "http://n:1"})",                   // not a list
			R"({"peers": ["ftp://n:1"]})",                  // not http(s)
			R"({"peers": ["http://n"]})",                   // no port
			R"({"peers": [7]})",                            // not a string
			R"({"members": [{"id": "a", "url": "http://a:1", "state": "zombie"}]})",
			R"({"members": [{"id": "a b", "url": "http://a:1"}]})",
			R"({"members": [{"id": "a", "url": "http://a:1", "incarnation": -3}]})",
			R"({"members": [{"id": "a", "url": "http://a:1", "incarnation": 9223372036854775807}]})", // refuting it would overflow
			R"({"from": "me"})",
			many,                                           // more than 4 entries
		};
		for (const auto& text : bad) CPPUNIT_ASSERT_THROW_MESSAGE(text, parse(text, 4), p2p::BadRequestException);
	}

	void testRecentIdsSeeEachIdOnceWithinCapacity()
	{
		p2p::gossip::RecentIds seen(3);
		CPPUNIT_ASSERT(seen.firstSight("a"));
		CPPUNIT_ASSERT(!seen.firstSight("a"));
		CPPUNIT_ASSERT(seen.firstSight("b"));
		CPPUNIT_ASSERT(seen.firstSight("c"));
		CPPUNIT_ASSERT(seen.firstSight("d")); // forgets "a", the oldest
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), seen.size());
		CPPUNIT_ASSERT(seen.firstSight("a"));
		CPPUNIT_ASSERT(!seen.firstSight("d"));
	}

	void testAccusationsTravelInTheTextForm()
	{
		GossipMessage message;
		message.accusations.push_back({"node7", 1796176212, {"node5", "node9"}});
		const std::string text = message.toText();
		CPPUNIT_ASSERT(text.find("\naccused node7 1796176212 node5,node9\n") != std::string::npos);
		const GossipMessage back = GossipMessage::fromText(text, 64);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), back.accusations.size());
		CPPUNIT_ASSERT_EQUAL(std::string("node7"), back.accusations[0].id);
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(1796176212), back.accusations[0].incarnation);
		CPPUNIT_ASSERT(back.accusations[0].accusers == std::vector<std::string>({"node5", "node9"}));
		for (const char* bad : {"accused node7 12", "accused node7 x node5", "accused node7 12 node5,,node9",
		                        "accused node7 12 a,b,c,d,e,f,g,h,i", "accused node7 12 node5 extra"})
			CPPUNIT_ASSERT_THROW_MESSAGE(bad, GossipMessage::fromText(std::string("p2p-gossip 1\n") + bad, 64),
			                             p2p::BadRequestException);
	}

private:
	static GossipMessage parse(const std::string& text, std::size_t maxEntries = 64)
	{
		return GossipMessage::fromJson(*p2p::json::asObject(p2p::json::parse(text)), maxEntries);
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(GossipMessageTest);
