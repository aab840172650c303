#include "host/PluginOrder.h"
#include "p2p/Errors.h"
#include <cppunit/extensions/HelperMacros.h>

using p2p::PluginOrder;
using Names = std::vector<std::string>;

class PluginOrderTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(PluginOrderTest);
	CPPUNIT_TEST(testKeepsLoadOrderWithoutRequirements);
	CPPUNIT_TEST(testRequirementsStartFirst);
	CPPUNIT_TEST(testMissingRequirementNamesBoth);
	CPPUNIT_TEST(testCycleIsRefused);
	CPPUNIT_TEST_SUITE_END();

public:
	void testKeepsLoadOrderWithoutRequirements()
	{
		CPPUNIT_ASSERT(Names({"b", "a", "c"}) == PluginOrder::startOrder({"b", "a", "c"}, {}));
	}

	void testRequirementsStartFirst()
	{
		const auto order = PluginOrder::startOrder({"kvstore", "filestore", "dht-router", "messaging"},
		                                           {{"kvstore", {"dht-router"}}, {"filestore", {"dht-router"}}});
		CPPUNIT_ASSERT(Names({"dht-router", "kvstore", "filestore", "messaging"}) == order);
	}

	void testMissingRequirementNamesBoth()
	{
		try
		{
			PluginOrder::startOrder({"kvstore"}, {{"kvstore", {"dht-router"}}});
			CPPUNIT_FAIL("expected StartupException");
		}
		catch (const p2p::StartupException& exc)
		{
			CPPUNIT_ASSERT_EQUAL(std::string("plugin 'kvstore' requires plugin 'dht-router', which plugins.load does not list"),
			                     exc.message());
		}
	}

	void testCycleIsRefused()
	{
		try
		{
			PluginOrder::startOrder({"a", "b", "c"}, {{"a", {"b"}}, {"b", {"a"}}});
			CPPUNIT_FAIL("expected StartupException");
		}
		catch (const p2p::StartupException& exc)
		{
			CPPUNIT_ASSERT(exc.message().find("'a', 'b'") != std::string::npos);
			CPPUNIT_ASSERT(exc.message().find("cycle") != std::string::npos);
		}
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(PluginOrderTest);
