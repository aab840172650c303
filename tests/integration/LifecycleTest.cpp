#include "NodeProcess.h"
#include "p2p/Version.h"
#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Thread.h>
#include <cppunit/extensions/HelperMacros.h>
#include <csignal>

using p2p::test::HttpResult;
using p2p::test::NodeProcess;

/// Starting, configuring and stopping a real p2p-node process.
class LifecycleTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(LifecycleTest);
	CPPUNIT_TEST(testHelpListsEveryOption);
	CPPUNIT_TEST(testVersion);
	CPPUNIT_TEST(testSigtermStopsCleanly);
	CPPUNIT_TEST(testSigtermLetsRequestsInFlightFinish);
	CPPUNIT_TEST(testStuckRequestDoesNotHoldShutdown);
	CPPUNIT_TEST(testDefinesOverrideTheConfigFile);
	CPPUNIT_TEST(testNodeIdSurvivesRestart);
	CPPUNIT_TEST(testBadSettingIsOneLine);
	CPPUNIT_TEST(testUnreachableAdvertisedUrlIsRefused);
	CPPUNIT_TEST(testTakenPortIsOneLine);
	CPPUNIT_TEST(testDaemonWithPidFile);
	CPPUNIT_TEST(testEveryShippedConfigStarts);
	CPPUNIT_TEST_SUITE_END();

public:
	void testHelpListsEveryOption()
	{
		NodeProcess node({"--help"});
		CPPUNIT_ASSERT_EQUAL(0, node.waitForExit());
		const std::string out = node.output();
		for (const char* option : {"--config", "--define", "--help", "--version", "--daemon", "--pidfile"})
			CPPUNIT_ASSERT_MESSAGE(option, out.find(option) != std::string::npos);
	}

	void testVersion()
	{
		NodeProcess node({"--version"});
		CPPUNIT_ASSERT_EQUAL(0, node.waitForExit());
		CPPUNIT_ASSERT(node.output().find("p2p-node 0.") == 0);
		CPPUNIT_ASSERT(node.output().find("plugin API " + std::to_string(P2P_PLUGIN_API_VERSION)) != std::string::npos);
	}

	void testSigtermStopsCleanly()
	{
		NodeProcess node({"-Dplugins.load=messaging"});
		node.waitUntilListening();
		node.terminate();
		CPPUNIT_ASSERT_EQUAL(0, node.waitForExit());
		const std::string out = node.output();
		CPPUNIT_ASSERT(out.find("stopped plugin 'messaging'") != std::string::npos);
		CPPUNIT_ASSERT(out.find("node: stopped") != std::string::npos);
	}

	void testSigtermLetsRequestsInFlightFinish()
	{
		NodeProcess node({"-Dplugins.load=testkit", "-Dplugins.path=" + p2p::test::testPluginDir()});
		const auto port = node.waitUntilListening();
		HttpResult slow;
		Poco::Thread client;
		client.startFunc([&] { slow = p2p::test::http(port, "GET", "/testkit/slow?ms=1500"); });
		// SIGTERM once the request is being served, not before.
		CPPUNIT_ASSERT(p2p::test::eventually([&] {
			HttpResult metrics = p2p::test::http(port, "GET", "/metrics");
			return metrics.body.find("p2p_http_requests_in_flight 2") != std::string::npos;
		}));
		node.terminate();
		client.join();
		CPPUNIT_ASSERT_EQUAL(200, slow.status);
		CPPUNIT_ASSERT_EQUAL(std::string(R"({"slept_ms":"1500"})"), slow.body);
		CPPUNIT_ASSERT_EQUAL(0, node.waitForExit());
		// Plugins stop after the request, never under it.
		const std::string out = node.output();
		CPPUNIT_ASSERT(out.find("GET /testkit/slow?ms=1500 HTTP/1.1\" 200") < out.find("testkit stopped"));
	}

	void testStuckRequestDoesNotHoldShutdown()
	{
		NodeProcess node({"-Dplugins.load=testkit", "-Dplugins.path=" + p2p::test::testPluginDir(),
		                  "-Dhttp.shutdown_timeout_ms=200"});
		const auto port = node.waitUntilListening();
		Poco::Thread client;
		client.startFunc([&] {
			try
			{
				p2p::test::http(port, "GET", "/testkit/slow?ms=5000");
			}
			catch (const Poco::Exception&)
			{
				// The node gives up on this request: that is the point.
			}
		});
		CPPUNIT_ASSERT(p2p::test::eventually([&] {
			return p2p::test::http(port, "GET", "/metrics").body.find("p2p_http_requests_in_flight 2") != std::string::npos;
		}));
		node.terminate();
		// Bounded: the drain timeout plus a one-second grace, well before the handler ends.
		const int status = node.waitForExit(Poco::Timespan(4, 0));
		client.join();
		CPPUNIT_ASSERT(status != 0);
		CPPUNIT_ASSERT(node.output().find("requests are stuck in their handlers; not stopping plugins") != std::string::npos);
		CPPUNIT_ASSERT(node.output().find("testkit stopped") == std::string::npos);
	}

	void testDefinesOverrideTheConfigFile()
	{
		p2p::test::TempDir dir;
		{
			Poco::FileOutputStream out(dir.file("node.properties"));
			out << "plugins.load = messaging\nnode.id = from-file\nhttp.port = 1\n";
		}
		// NodeProcess passes -Dhttp.port=0, which must beat the file's port 1.
		NodeProcess node({"--config", dir.file("node.properties"), "-Dnode.id=from-define"});
		const auto port = node.waitUntilListening();
		HttpResult r = p2p::test::http(port, "GET", "/");
		CPPUNIT_ASSERT_EQUAL(std::string(R"({"message":"Node from-define is running!"})"), r.body);
	}

	void testNodeIdSurvivesRestart()
	{
		p2p::test::TempDir data;
		std::string first;
		{
			NodeProcess node({"-Dplugins.load=", "-Dnode.data_dir=" + data.path()});
			first = status(node.waitUntilListening())->getValue<std::string>("id");
		}
		NodeProcess again({"-Dplugins.load=", "-Dnode.data_dir=" + data.path()});
		CPPUNIT_ASSERT_EQUAL(first, status(again.waitUntilListening())->getValue<std::string>("id"));
		CPPUNIT_ASSERT(Poco::File(data.file("node-id")).exists());
	}

	void testBadSettingIsOneLine()
	{
		NodeProcess node({"-Dhttp.max_threads=lots"});
		CPPUNIT_ASSERT(node.waitForExit() != 0);
		const std::string out = node.output();
		CPPUNIT_ASSERT_EQUAL(out.size() - 1, out.find('\n'));
		CPPUNIT_ASSERT(out.find("property http.max_threads must be a whole number, not 'lots'") != std::string::npos);
	}

	void testUnreachableAdvertisedUrlIsRefused()
	{
		NodeProcess node({"-Dnode.advertise=http://node1"}); // no port: no one could reach it
		CPPUNIT_ASSERT(node.waitForExit() != 0);
		CPPUNIT_ASSERT(node.output().find("node.advertise must be an http(s)://host:port URL") != std::string::npos);
	}

	void testTakenPortIsOneLine()
	{
		NodeProcess first({"-Dplugins.load="});
		const auto port = first.waitUntilListening();
		NodeProcess second({"-Dplugins.load=", "-Dhttp.port=" + std::to_string(port)});
		CPPUNIT_ASSERT(second.waitForExit() != 0);
		const std::string out = second.output();
		CPPUNIT_ASSERT_EQUAL(out.size() - 1, out.find('\n'));
		CPPUNIT_ASSERT(out.find("cannot listen on 127.0.0.1:" + std::to_string(port)) != std::string::npos);
	}

	void testDaemonWithPidFile()
	{
		p2p::test::TempDir dir;
		const std::string pidFile = dir.file("node.pid");
		const std::string logFile = dir.file("node.log");
		NodeProcess launcher({"--daemon", "--pidfile=" + pidFile, "-Dplugins.load=messaging",
		                      "-Dlogging.loggers.root.channel=file", "-Dlogging.channels.file.class=FileChannel",
		                      "-Dlogging.channels.file.path=" + logFile, "-Dlogging.channels.file.formatter=plain"});
		CPPUNIT_ASSERT_EQUAL(0, launcher.waitForExit()); // the parent returns once the daemon is forked
		int pid = 0;
		CPPUNIT_ASSERT(p2p::test::eventually([&] { return (pid = readPid(pidFile)) > 0; }));
		DaemonGuard guard(pid);
		std::string log;
		CPPUNIT_ASSERT(p2p::test::eventually([&] {
			log = readFile(logFile);
			return log.find("listening on port") != std::string::npos;
		}));
		const auto port = static_cast<Poco::UInt16>(std::stoi(log.substr(log.find("listening on port ") + 18)));
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(port, "GET", "/health").status);
		::kill(pid, SIGTERM);
		CPPUNIT_ASSERT(p2p::test::eventually([&] { return ::kill(pid, 0) != 0; }));
		CPPUNIT_ASSERT(p2p::test::eventually([&] { return !Poco::File(pidFile).exists(); }));
	}

	void testEveryShippedConfigStarts()
	{
		std::vector<std::string> files{p2p::test::sourceDir() + "/config/node.properties",
		                               p2p::test::sourceDir() + "/config/bootstrap.properties"};
		Poco::DirectoryIterator end;
		for (Poco::DirectoryIterator it(p2p::test::sourceDir() + "/config/examples"); it != end; ++it)
		{
			if (it.path().getExtension() == "properties") files.push_back(it.path().toString());
		}
		CPPUNIT_ASSERT(files.size() >= 3);
		for (const auto& file : files)
		{
			NodeProcess node({"--config", file});
			const auto port = node.waitUntilListening();
			CPPUNIT_ASSERT_EQUAL_MESSAGE(file, 200, p2p::test::http(port, "GET", "/health").status);
		}
	}

private:
	/// Kills the daemon if the test fails before it stopped it.
	struct DaemonGuard
	{
		explicit DaemonGuard(int pid): pid(pid) {}
		~DaemonGuard()
		{
			if (::kill(pid, 0) == 0) ::kill(pid, SIGKILL);
		}
		int pid;
	};

	static std::string readFile(const std::string& path)
	{
		if (!Poco::File(path).exists()) return "";
		Poco::FileInputStream in(path);
		return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
	}

	static int readPid(const std::string& path)
	{
		const std::string text = readFile(path);
		return text.empty() ? 0 : std::atoi(text.c_str());
	}

	static Poco::JSON::Object::Ptr status(Poco::UInt16 port)
	{
		return p2p::test::jsonObject(p2p::test::http(port, "GET", "/status").body);
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(LifecycleTest);
