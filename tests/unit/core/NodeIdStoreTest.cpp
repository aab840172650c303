#include "node/NodeIdStore.h"
#include "TestSupport.h"
#include "p2p/Errors.h"
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <cppunit/extensions/HelperMacros.h>

using p2p::NodeIdStore;

class NodeIdStoreTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(NodeIdStoreTest);
	CPPUNIT_TEST(testConfiguredIdWins);
	CPPUNIT_TEST(testGeneratedIdIsKeptAcrossRestarts);
	CPPUNIT_TEST(testInvalidIdsAreRefused);
	CPPUNIT_TEST(testCorruptStoredIdIsRefused);
	CPPUNIT_TEST_SUITE_END();

public:
	void testConfiguredIdWins()
	{
		p2p::test::TempDir dir;
		CPPUNIT_ASSERT_EQUAL(std::string("node7"), NodeIdStore::resolve("node7", dir.path()));
		CPPUNIT_ASSERT(!Poco::File(dir.file("node-id")).exists());
	}

	void testGeneratedIdIsKeptAcrossRestarts()
	{
		p2p::test::TempDir dir;
		const std::string first = NodeIdStore::resolve("", dir.path() + "deeper");
		CPPUNIT_ASSERT_EQUAL(std::size_t(36), first.size());
		CPPUNIT_ASSERT_EQUAL(first, NodeIdStore::resolve("", dir.path() + "deeper"));
		p2p::test::TempDir other;
		CPPUNIT_ASSERT(first != NodeIdStore::resolve("", other.path()));
	}

	void testInvalidIdsAreRefused()
	{
		CPPUNIT_ASSERT(!NodeIdStore::isValid(""));
		CPPUNIT_ASSERT(!NodeIdStore::isValid("a b"));
		CPPUNIT_ASSERT(!NodeIdStore::isValid("../x"));
		CPPUNIT_ASSERT(!NodeIdStore::isValid(std::string(129, 'a')));
		CPPUNIT_ASSERT(NodeIdStore::isValid(std::string(128, 'a')));
		CPPUNIT_ASSERT(NodeIdStore::isValid("Node_1.eu-west"));
		p2p::test::TempDir dir;
		CPPUNIT_ASSERT_THROW(NodeIdStore::resolve("bad id", dir.path()), p2p::StartupException);
	}

	void testCorruptStoredIdIsRefused()
	{
		p2p::test::TempDir dir;
		{
			Poco::FileOutputStream out(dir.file("node-id"));
			out << "not an id\n";
		}
		CPPUNIT_ASSERT_THROW(NodeIdStore::resolve("", dir.path()), p2p::StartupException);
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(NodeIdStoreTest);
