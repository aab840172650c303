#include "Registry.h"
#include "p2p/Errors.h"
#include <cppunit/extensions/HelperMacros.h>

using p2p::bootstrap::Registry;

class RegistryTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(RegistryTest);
	CPPUNIT_TEST(testRegisterCountsAndLists);
	CPPUNIT_TEST(testReRegisterUpdatesAddressAndRenewsLease);
	CPPUNIT_TEST(testLeaseExpires);
	CPPUNIT_TEST(testRemove);
	CPPUNIT_TEST(testBadIdsAreRefused);
	CPPUNIT_TEST(testBadAddressesAreRefused);
	CPPUNIT_TEST(testFullRegistryRefusesNewNodesButMakesRoomFromExpired);
	CPPUNIT_TEST(testGenerationCountsChangesNotRenewals);
	CPPUNIT_TEST_SUITE_END();

public:
	void testRegisterCountsAndLists()
	{
		Registry registry(Poco::Timespan(30, 0), 100);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), registry.add("node2", "http://node2:5000", at(0)));
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), registry.add("node1", "http://node1:5000", at(0)));
		const auto live = registry.live(at(1));
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), live.size());
		CPPUNIT_ASSERT_EQUAL(std::string("node1"), live[0].id);
		CPPUNIT_ASSERT_EQUAL(std::string("http://node1:5000"), live[0].address);
	}

	void testReRegisterUpdatesAddressAndRenewsLease()
	{
		Registry registry(Poco::Timespan(30, 0), 100);
		registry.add("node1", "http://old:5000", at(0));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), registry.add("node1", "http://new:5000", at(20)));
		const auto live = registry.live(at(45)); // 25 s after the renewal: still within the lease
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), live.size());
		CPPUNIT_ASSERT_EQUAL(std::string("http://new:5000"), live[0].address);
		CPPUNIT_ASSERT(live[0].registeredAt == at(0));
	}

	void testLeaseExpires()
	{
		Registry registry(Poco::Timespan(30, 0), 100);
		registry.add("node1", "http://node1:5000", at(0));
		registry.add("node2", "http://node2:5000", at(10));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), registry.live(at(31)).size());
		const auto gone = registry.expire(at(31));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), gone.size());
		CPPUNIT_ASSERT_EQUAL(std::string("node1"), gone[0]);
		CPPUNIT_ASSERT(registry.expire(at(31)).empty());
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), registry.live(at(41)).size());
	}

	void testRemove()
	{
		Registry registry(Poco::Timespan(30, 0), 100);
		registry.add("node1", "http://node1:5000", at(0));
		CPPUNIT_ASSERT(registry.remove("node1"));
		CPPUNIT_ASSERT(!registry.remove("node1"));
		CPPUNIT_ASSERT(registry.live(at(0)).empty());
	}

	void testBadIdsAreRefused()
	{
		CPPUNIT_ASSERT_THROW(Registry::validateId(""), p2p::BadRequestException);
		CPPUNIT_ASSERT_THROW(Registry::validateId(std::string(129, 'a')), p2p::BadRequestException);
		CPPUNIT_ASSERT_THROW(Registry::validateId("a b"), p2p::BadRequestException);
		CPPUNIT_ASSERT_THROW(Registry::validateId("../etc"), p2p::BadRequestException);
		Registry::validateId(std::string(128, 'a'));
		Registry::validateId("node-7.eu_west");
		Registry registry(Poco::Timespan(30, 0), 100);
		CPPUNIT_ASSERT_THROW(registry.add("", "http://node1:5000"), p2p::BadRequestException);
		CPPUNIT_ASSERT(registry.live().empty()); // nothing stored
	}

	void testBadAddressesAreRefused()
	{
		for (const char* bad : {"", "node1:5000", "ftp://node1:5000", "http://node1", "http://:5000", "http://u@node1:5000",
		                        "http://node1:5000/path", "http://node1:5000/?q=1", "http://node1:5000/#f", "not a url"})
		{
			CPPUNIT_ASSERT_THROW_MESSAGE(bad, Registry::validateAddress(bad), p2p::BadRequestException);
		}
		Registry::validateAddress("http://node1:5000");
		Registry::validateAddress("https://10.0.0.7:443/");
		Registry::validateAddress("http://[::1]:5001");
	}

	void testFullRegistryRefusesNewNodesButMakesRoomFromExpired()
	{
		Registry registry(Poco::Timespan(30, 0), 2);
		registry.add("node1", "http://node1:5000", at(0));
		registry.add("node2", "http://node2:5000", at(10));
		CPPUNIT_ASSERT_THROW(registry.add("node3", "http://node3:5000", at(20)), p2p::ServiceUnavailableException);
		registry.add("node1", "http://node1:5000", at(20)); // renewing is always allowed
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), registry.add("node3", "http://node3:5000", at(45))); // node2 expired
	}

	void testGenerationCountsChangesNotRenewals()
	{
		Registry registry(Poco::Timespan(30, 0), 10);
		Poco::UInt64 seen = registry.generation();
		const auto changed = [&] {
			const Poco::UInt64 now = registry.generation();
			const bool rose = now > seen;
			seen = now;
			return rose;
		};
		registry.add("node1", "http://node1:5000", at(0));
		CPPUNIT_ASSERT(changed()); // a new node
		registry.add("node1", "http://node1:5000", at(10));
		CPPUNIT_ASSERT(!changed()); // a renewal: the list is the same
		registry.add("node1", "http://moved:5000", at(11));
		CPPUNIT_ASSERT(changed()); // a new address
		registry.add("node2", "http://node2:5000", at(12));
		CPPUNIT_ASSERT(changed());
		CPPUNIT_ASSERT(registry.remove("node2"));
		CPPUNIT_ASSERT(changed()); // a leave
		CPPUNIT_ASSERT(!registry.remove("node2"));
		CPPUNIT_ASSERT(!changed());
		registry.expire(at(100));
		CPPUNIT_ASSERT(changed()); // node1's lease ran out
		Poco::UInt64 listed = 0;
		CPPUNIT_ASSERT(registry.live(at(100), &listed).empty());
		CPPUNIT_ASSERT_EQUAL(registry.generation(), listed);
	}

private:
	static Poco::Timestamp at(int seconds)
	{
		static const Poco::Timestamp epoch;
		return epoch + static_cast<Poco::Timestamp::TimeDiff>(seconds) * 1000000;
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(RegistryTest);
