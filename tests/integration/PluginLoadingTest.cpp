#include "NodeProcess.h"
#include "p2p/Version.h"
#include <Poco/File.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Stopwatch.h>
#include <cppunit/extensions/HelperMacros.h>

using p2p::test::HttpResult;
using p2p::test::NodeProcess;

/// What an operator sees when plugins load, fail to load, or are swapped.
class PluginLoadingTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(PluginLoadingTest);
	CPPUNIT_TEST(testMissingPluginFailsFastWithOneLine);
	CPPUNIT_TEST(testApiMismatchIsRefusedWithBothVersions);
	CPPUNIT_TEST(testMissingManifestIsRefused);
	CPPUNIT_TEST(testFailingStartIsRefused);
	CPPUNIT_TEST(testRequirementsStartFirstAndShareServices);
	CPPUNIT_TEST(testDocumentedExamplePluginLoads);
	CPPUNIT_TEST(testSwappedLibraryIsReportedInStatus);
	CPPUNIT_TEST(testUpgradedPluginReportsItsNewVersion);
	CPPUNIT_TEST_SUITE_END();

public:
	void testMissingPluginFailsFastWithOneLine()
	{
		Poco::Stopwatch clock;
		clock.start();
		NodeProcess node({"-Dplugins.load=nosuch"});
		const int status = node.waitForExit(Poco::Timespan(2, 0));
		CPPUNIT_ASSERT(status != 0);
		CPPUNIT_ASSERT(clock.elapsed() < 2 * 1000 * 1000);
		const std::string line = onlyLine(node.output());
		CPPUNIT_ASSERT(line.find("plugin 'nosuch'") != std::string::npos);
		CPPUNIT_ASSERT(line.find("search path " + p2p::test::pluginDir() + "/:") != std::string::npos);
	}

	void testApiMismatchIsRefusedWithBothVersions()
	{
		NodeProcess node({"-Dplugins.load=api-mismatch", "-Dplugins.path=" + p2p::test::testPluginDir()});
		CPPUNIT_ASSERT(node.waitForExit() != 0);
		const std::string line = onlyLine(node.output());
		CPPUNIT_ASSERT(line.find("plugin 'api-mismatch' (" + p2p::test::testPluginDir() + "/libp2p-api-mismatch.so)") != std::string::npos);
		CPPUNIT_ASSERT(line.find("plugin API 999") != std::string::npos);
		CPPUNIT_ASSERT(line.find("provides plugin API " + std::to_string(P2P_PLUGIN_API_VERSION)) != std::string::npos);
	}

	void testMissingManifestIsRefused()
	{
		NodeProcess node({"-Dplugins.load=no-manifest", "-Dplugins.path=" + p2p::test::testPluginDir()});
		CPPUNIT_ASSERT(node.waitForExit() != 0);
		CPPUNIT_ASSERT(onlyLine(node.output()).find("no usable POCO manifest") != std::string::npos);
	}

	void testFailingStartIsRefused()
	{
		NodeProcess node({"-Dplugins.load=messaging,failing-start",
		                  "-Dplugins.path=" + p2p::test::pluginDir() + ":" + p2p::test::testPluginDir()});
		CPPUNIT_ASSERT(node.waitForExit() != 0);
		const std::string out = node.output();
		CPPUNIT_ASSERT(out.find("Fatal node: plugin 'failing-start' (") != std::string::npos);
		CPPUNIT_ASSERT(out.find("failed to start: cannot open the test device") != std::string::npos);
		// messaging had started, and is stopped again on the way out.
		CPPUNIT_ASSERT(out.find("stopped plugin 'messaging'") != std::string::npos);
	}

	void testRequirementsStartFirstAndShareServices()
	{
		// Listed in the wrong order on purpose: the host must reorder.
		NodeProcess node({"-Dplugins.load=testkit-client,testkit", "-Dplugins.path=" + p2p::test::testPluginDir()});
		const auto port = node.waitUntilListening();
		HttpResult r = p2p::test::http(port, "GET", "/testkit-client");
		CPPUNIT_ASSERT_EQUAL(200, r.status);
		CPPUNIT_ASSERT_EQUAL(std::string(R"({"greeting":"hello from testkit"})"), r.body);
		const std::string out = node.output();
		CPPUNIT_ASSERT(out.find("started plugin 'testkit'") < out.find("started plugin 'testkit-client'"));
		node.terminate();
		CPPUNIT_ASSERT_EQUAL(0, node.waitForExit());
		const std::string after = node.output();
		CPPUNIT_ASSERT(after.find("stopped plugin 'testkit-client'") < after.find("stopped plugin 'testkit'"));
	}

	void testDocumentedExamplePluginLoads()
	{
		NodeProcess node({"-Dplugins.load=hello", "-Dplugins.path=" + p2p::test::testPluginDir(), "-Dhello.greeting=Howdy"});
		const auto port = node.waitUntilListening();
		HttpResult r = p2p::test::http(port, "GET", "/hello/Ada%20L");
		CPPUNIT_ASSERT_EQUAL(200, r.status);
		CPPUNIT_ASSERT_EQUAL(std::string(R"({"greeting":"Howdy, Ada L!"})"), r.body);
	}

	void testSwappedLibraryIsReportedInStatus()
	{
		// Deploy-time swap: the same plugin from another file.
		p2p::test::TempDir dir;
		const std::string copy = dir.file("libp2p-messaging-v2.so");
		Poco::File(p2p::test::pluginDir() + "/libp2p-messaging.so").copyTo(copy);
		NodeProcess node({"-Dplugins.load=messaging", "-Dplugins.messaging.library=" + copy});
		const auto port = node.waitUntilListening();
		HttpResult r = p2p::test::http(port, "GET", "/status");
		auto plugins = p2p::test::jsonObject(r.body)->getArray("plugins");
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), plugins->size());
		CPPUNIT_ASSERT_EQUAL(copy, plugins->getObject(0)->getValue<std::string>("library"));
		CPPUNIT_ASSERT_EQUAL(std::string("1.0.0"), plugins->getObject(0)->getValue<std::string>("version"));
	}

	void testUpgradedPluginReportsItsNewVersion()
	{
		// Deploy-time upgrade: replace the .so in the plugin directory and restart.
		p2p::test::TempDir plugins, data;
		const std::string installed = plugins.file("libp2p-testkit.so");
		Poco::File(p2p::test::testPluginDir() + "/libp2p-testkit.so").copyTo(installed);
		const std::vector<std::string> args{"-Dplugins.load=testkit", "-Dplugins.path=" + plugins.path(),
		                                    "-Dnode.data_dir=" + data.path()};
		CPPUNIT_ASSERT_EQUAL(std::string("0.1.0"), runningVersion(args, "testkit"));
		Poco::File(installed).remove(); // a new inode: a running node would keep the old mapping
		Poco::File(p2p::test::testPluginDir() + "/libp2p-testkit-v2.so").copyTo(installed);
		CPPUNIT_ASSERT_EQUAL(std::string("0.2.0"), runningVersion(args, "testkit"));
	}

private:
	/// Starts a node, reads the plugin's version from /status, stops the node cleanly.
	static std::string runningVersion(const std::vector<std::string>& args, const std::string& plugin)
	{
		NodeProcess node(args);
		auto plugins = p2p::test::jsonObject(p2p::test::http(node.waitUntilListening(), "GET", "/status").body)->getArray("plugins");
		std::string version;
		for (std::size_t i = 0; i < plugins->size(); ++i)
		{
			auto entry = plugins->getObject(static_cast<unsigned>(i));
			if (entry->getValue<std::string>("name") == plugin) version = entry->getValue<std::string>("version");
		}
		node.terminate();
		CPPUNIT_ASSERT_EQUAL(0, node.waitForExit());
		return version;
	}

	/// The output must be exactly one line; returns it.
	static std::string onlyLine(const std::string& output)
	{
		CPPUNIT_ASSERT_MESSAGE("expected one line, got:\n" + output,
		                       !output.empty() && output.find('\n') == output.size() - 1);
		return output;
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(PluginLoadingTest);
