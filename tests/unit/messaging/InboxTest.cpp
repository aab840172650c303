#include "Inbox.h"
#include <Poco/Exception.h>
#include <cppunit/extensions/HelperMacros.h>

using p2p::messaging::Inbox;

class InboxTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(InboxTest);
	CPPUNIT_TEST(testKeepsMessagesInArrivalOrder);
	CPPUNIT_TEST(testDropsOldestWhenFull);
	CPPUNIT_TEST(testRecentHonoursLimit);
	CPPUNIT_TEST(testZeroCapacityIsRefused);
	CPPUNIT_TEST_SUITE_END();

public:
	void testKeepsMessagesInArrivalOrder()
	{
		Inbox inbox(10);
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(1), inbox.add("Node1", "Hello Node2!"));
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(2), inbox.add("Node3", "Hi"));
		const auto messages = inbox.recent(10);
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), messages.size());
		CPPUNIT_ASSERT_EQUAL(std::string("Node1"), messages[0].sender);
		CPPUNIT_ASSERT_EQUAL(std::string("Hello Node2!"), messages[0].text);
		CPPUNIT_ASSERT_EQUAL(std::string("Node3"), messages[1].sender);
	}

	void testDropsOldestWhenFull()
	{
		Inbox inbox(3);
		for (int i = 1; i <= 5; ++i) inbox.add("n", std::to_string(i));
		const auto messages = inbox.recent(10);
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), messages.size());
		CPPUNIT_ASSERT_EQUAL(std::string("3"), messages.front().text);
		CPPUNIT_ASSERT_EQUAL(std::string("5"), messages.back().text);
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(5), messages.back().sequence);
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(5), inbox.total());
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), inbox.size());
	}

	void testRecentHonoursLimit()
	{
		Inbox inbox(10);
		for (int i = 1; i <= 5; ++i) inbox.add("n", std::to_string(i));
		const auto messages = inbox.recent(2);
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), messages.size());
		CPPUNIT_ASSERT_EQUAL(std::string("4"), messages[0].text);
		CPPUNIT_ASSERT_EQUAL(std::string("5"), messages[1].text);
	}

	void testZeroCapacityIsRefused()
	{
		CPPUNIT_ASSERT_THROW(Inbox(0), Poco::InvalidArgumentException);
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(InboxTest);
