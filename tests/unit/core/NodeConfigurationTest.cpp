#include "support/NodeConfiguration.h"
#include "TestSupport.h"
#include "p2p/Errors.h"
#include <Poco/FileStream.h>
#include <cppunit/extensions/HelperMacros.h>

using p2p::NodeConfiguration;

class NodeConfigurationTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(NodeConfigurationTest);
	CPPUNIT_TEST(testParseDefine);
	CPPUNIT_TEST(testMalformedDefineIsRefused);
	CPPUNIT_TEST(testEnvironmentNamesMapToKeys);
	CPPUNIT_TEST(testLayersRankDefineEnvironmentFileDefaults);
	CPPUNIT_TEST(testMissingFileIsAStartupError);
	CPPUNIT_TEST_SUITE_END();

public:
	void testParseDefine()
	{
		auto [key, value] = NodeConfiguration::parseDefine("http.port=5002");
		CPPUNIT_ASSERT_EQUAL(std::string("http.port"), key);
		CPPUNIT_ASSERT_EQUAL(std::string("5002"), value);
		// Only the first '=' separates; the value may hold more.
		auto [key2, value2] = NodeConfiguration::parseDefine("node.advertise=http://a:1/?x=y");
		CPPUNIT_ASSERT_EQUAL(std::string("node.advertise"), key2);
		CPPUNIT_ASSERT_EQUAL(std::string("http://a:1/?x=y"), value2);
		CPPUNIT_ASSERT_EQUAL(std::string(""), NodeConfiguration::parseDefine("node.id=").second);
	}

	void testMalformedDefineIsRefused()
	{
		CPPUNIT_ASSERT_THROW(NodeConfiguration::parseDefine("http.port"), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_THROW(NodeConfiguration::parseDefine("=5"), Poco::InvalidArgumentException);
	}

	void testEnvironmentNamesMapToKeys()
	{
		auto config = NodeConfiguration::fromEnvironment(
			{{"P2P_HTTP_PORT", "5001"}, {"P2P_KVSTORE_WRITE_QUORUM", "2"}, {"HOME", "/root"}, {"P2P_", "x"}, {"P2P_NOSECTION", "x"}});
		CPPUNIT_ASSERT_EQUAL(std::string("5001"), config->getString("http.port"));
		CPPUNIT_ASSERT_EQUAL(std::string("2"), config->getString("kvstore.write_quorum"));
		CPPUNIT_ASSERT(!config->has("home"));
		CPPUNIT_ASSERT(!config->has("nosection"));
	}

	void testLayersRankDefineEnvironmentFileDefaults()
	{
		p2p::test::TempDir dir;
		const std::string file = dir.file("node.properties");
		{
			Poco::FileOutputStream out(file);
			out << "http.port = 1000\nnode.id = from-file\nplugins.load = messaging\nlogging.loggers.root.level = debug\n";
		}
		Poco::AutoPtr<Poco::Util::LayeredConfiguration> config(new Poco::Util::LayeredConfiguration);
		NodeConfiguration::layer(*config, file, {{"P2P_HTTP_PORT", "2000"}, {"P2P_NODE_ID", "from-env"}});
		Poco::AutoPtr<Poco::Util::MapConfiguration> defines(new Poco::Util::MapConfiguration);
		defines->setString("http.port", "3000");
		config->add(defines, NodeConfiguration::kDefinePriority, true);

		CPPUNIT_ASSERT_EQUAL(3000, config->getInt("http.port"));                   // define beats all
		CPPUNIT_ASSERT_EQUAL(std::string("from-env"), config->getString("node.id")); // env beats file
		CPPUNIT_ASSERT_EQUAL(std::string("messaging"), config->getString("plugins.load"));
		CPPUNIT_ASSERT_EQUAL(std::string("debug"), config->getString("logging.loggers.root.level")); // file beats defaults
		CPPUNIT_ASSERT_EQUAL(std::string("ConsoleChannel"), config->getString("logging.channels.console.class"));
	}

	void testMissingFileIsAStartupError()
	{
		Poco::AutoPtr<Poco::Util::LayeredConfiguration> config(new Poco::Util::LayeredConfiguration);
		try
		{
			NodeConfiguration::layer(*config, "/nonexistent/node.properties", {});
			CPPUNIT_FAIL("expected StartupException");
		}
		catch (const p2p::StartupException& exc)
		{
			CPPUNIT_ASSERT(exc.message().find("cannot read config file /nonexistent/node.properties") == 0);
		}
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(NodeConfigurationTest);
