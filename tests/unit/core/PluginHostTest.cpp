#include "routing/HttpRouter.h"
#include "host/PluginHost.h"
#include "TestSupport.h"
#include "p2p/Errors.h"
#include "p2p/Membership.h"
#include "p2p/PeerClient.h"
#include "p2p/ServiceRegistry.h"
#include "p2p/Version.h"
#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>
#include <cppunit/extensions/HelperMacros.h>

using p2p::PluginHost;

class PluginHostTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(PluginHostTest);
	CPPUNIT_TEST(testLoadsAndStartsARealPlugin);
	CPPUNIT_TEST(testMissingPluginNamesSearchPath);
	CPPUNIT_TEST(testApiMismatchNamesBothVersions);
	CPPUNIT_TEST(testLibraryWithoutApiSymbolIsRefused);
	CPPUNIT_TEST(testLibraryWithoutManifestIsRefused);
	CPPUNIT_TEST(testFailingStartIsRefusedAndOthersStop);
	CPPUNIT_TEST(testExplicitLibraryOverridesSearchPath);
	CPPUNIT_TEST(testPluginMustAnswerToItsName);
	CPPUNIT_TEST(testDefaultSearchPathFindsBuildTree);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_config = new Poco::Util::MapConfiguration;
		_config->setString("plugins.path", p2p::test::pluginDir() + ":" + p2p::test::testPluginDir());
		_metrics = std::make_unique<p2p::MetricsRegistry>();
		_router = std::make_unique<p2p::HttpRouter>(p2p::HttpRouter::Settings(), *_metrics);
		_services = std::make_unique<p2p::ServiceRegistry>();
	}

	void tearDown() override
	{
		// Routes, services and gauges hold code from the plugin libraries:
		// they go before the host that unloads those libraries.
		_router.reset();
		_services.reset();
		_metrics.reset();
		_host.reset();
	}

	void testLoadsAndStartsARealPlugin()
	{
		_config->setString("plugins.load", "messaging");
		PluginHost& host = makeHost();
		host.load();
		start(host);
		const auto plugins = host.plugins();
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), plugins.size());
		CPPUNIT_ASSERT_EQUAL(std::string("messaging"), plugins[0].name);
		CPPUNIT_ASSERT_EQUAL(p2p::test::pluginDir() + "/libp2p-messaging.so", plugins[0].library);
		host.stop();
	}

	void testMissingPluginNamesSearchPath()
	{
		const std::string message = loadError("nosuch");
		CPPUNIT_ASSERT(message.find("plugin 'nosuch': no libp2p-nosuch.so in the plugin search path " +
		                            p2p::test::pluginDir() + "/:" + p2p::test::testPluginDir() + "/") == 0);
	}

	void testApiMismatchNamesBothVersions()
	{
		const std::string message = loadError("api-mismatch");
		CPPUNIT_ASSERT(message.find(p2p::test::testPluginDir() + "/libp2p-api-mismatch.so") != std::string::npos);
		CPPUNIT_ASSERT(message.find("built for plugin API 999") != std::string::npos);
		CPPUNIT_ASSERT(message.find("provides plugin API " + std::to_string(P2P_PLUGIN_API_VERSION)) != std::string::npos);
	}

	void testLibraryWithoutApiSymbolIsRefused()
	{
		const std::string message = loadError("not-a-plugin");
		CPPUNIT_ASSERT(message.find("is not a p2p-node plugin") != std::string::npos);
	}

	void testLibraryWithoutManifestIsRefused()
	{
		const std::string message = loadError("no-manifest");
		CPPUNIT_ASSERT(message.find("plugin 'no-manifest' (") == 0);
		CPPUNIT_ASSERT(message.find("no usable POCO manifest") != std::string::npos);
	}

	void testFailingStartIsRefusedAndOthersStop()
	{
		_config->setString("plugins.load", "testkit, failing-start");
		PluginHost& host = makeHost();
		host.load();
		try
		{
			start(host);
			CPPUNIT_FAIL("expected StartupException");
		}
		catch (const p2p::StartupException& exc)
		{
			CPPUNIT_ASSERT(exc.message().find("plugin 'failing-start' (") == 0);
			CPPUNIT_ASSERT(exc.message().find("failed to start: cannot open the test device") != std::string::npos);
		}
		// testkit started first and withdraws its service when stopped.
		CPPUNIT_ASSERT(!_services->find("testkit"));
	}

	void testExplicitLibraryOverridesSearchPath()
	{
		_config->setString("plugins.path", "/nonexistent");
		_config->setString("plugins.load", "messaging");
		_config->setString("plugins.messaging.library", p2p::test::pluginDir() + "/libp2p-messaging.so");
		PluginHost host(*_config, "/nonexistent/bin");
		host.load();
		CPPUNIT_ASSERT_EQUAL(p2p::test::pluginDir() + "/libp2p-messaging.so", host.plugins().at(0).library);

		_config->setString("plugins.messaging.library", "/nonexistent/libp2p-messaging.so");
		PluginHost broken(*_config, "/nonexistent/bin");
		CPPUNIT_ASSERT_THROW(broken.load(), p2p::StartupException);
	}

	void testPluginMustAnswerToItsName()
	{
		_config->setString("plugins.load", "impostor");
		_config->setString("plugins.impostor.library", p2p::test::pluginDir() + "/libp2p-messaging.so");
		const std::string message = loadError("impostor");
		CPPUNIT_ASSERT(message.find("calls itself 'messaging'") != std::string::npos);
	}

	void testDefaultSearchPathFindsBuildTree()
	{
		const auto path = PluginHost::defaultSearchPath("/opt/p2p/build/bin/");
		CPPUNIT_ASSERT_EQUAL(std::string("/opt/p2p/build/plugins/"), path.at(0));
		CPPUNIT_ASSERT_EQUAL(std::string("/opt/p2p/build/lib/p2p-node/plugins/"), path.at(1));
		CPPUNIT_ASSERT_EQUAL(std::string("/usr/lib/p2p-node/plugins/"), path.back());
	}

private:
	std::string loadError(const std::string& name)
	{
		_config->setString("plugins.load", name);
		PluginHost host(*_config, "/nonexistent/bin");
		try
		{
			host.load();
		}
		catch (const p2p::StartupException& exc)
		{
			CPPUNIT_ASSERT(exc.message().find('\n') == std::string::npos);
			return exc.message();
		}
		CPPUNIT_FAIL("expected StartupException for plugin " + name);
		return "";
	}

	PluginHost& makeHost()
	{
		_host = std::make_unique<PluginHost>(*_config, "/nonexistent/bin");
		return *_host;
	}

	void start(PluginHost& host)
	{
		host.start({"test-node", "http://127.0.0.1:1"}, _data.path(), *_router, *_services, *_metrics, _membership, _peers);
	}

	Poco::AutoPtr<Poco::Util::MapConfiguration> _config;
	p2p::test::TempDir _data;
	p2p::PeerClient _peers;
	p2p::Membership _membership{p2p::NodeIdentity{"test-node", "http://127.0.0.1:1"}};
	std::unique_ptr<PluginHost> _host;
	std::unique_ptr<p2p::MetricsRegistry> _metrics;
	std::unique_ptr<p2p::ServiceRegistry> _services;
	std::unique_ptr<p2p::HttpRouter> _router;
};

CPPUNIT_TEST_SUITE_REGISTRATION(PluginHostTest);
