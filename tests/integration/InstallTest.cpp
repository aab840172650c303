#include "NodeProcess.h"
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <iterator>
#include <cppunit/extensions/HelperMacros.h>
#include <set>

using p2p::test::NodeProcess;
using p2p::test::TempDir;

/// `cmake --install` into a staging directory (DESTDIR), then the installed
/// node: it must find its configuration and plugins with no path flags.
class InstallTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(InstallTest);
	CPPUNIT_TEST(testInstalledNodeFindsConfigAndPlugins);
	CPPUNIT_TEST(testSystemdUnitVerifies);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override { _stage = std::make_unique<TempDir>(); }
	void tearDown() override { _stage.reset(); }

	void testInstalledNodeFindsConfigAndPlugins()
	{
		const std::string prefix = install();
		for (const char* file : {"bin/p2p-node", "bin/p2p-cluster", "lib/p2p-node/plugins/libp2p-messaging.so",
		                         "lib/p2p-node/plugins/libp2p-bootstrap.so", "lib/p2p-node/plugins/libp2p-kvstore.so",
		                         "lib/p2p-node/plugins/libp2p-dht-router.so"})
			CPPUNIT_ASSERT_MESSAGE(file, Poco::File(prefix + file).exists());
		CPPUNIT_ASSERT(!Poco::File(prefix + "lib/p2p-node/plugins/libp2p-testkit.so").exists()); // test plugins stay out

		// No --config and no plugins.path: both are found from the binary's place.
		NodeProcess node({}, prefix + "bin/p2p-node");
		const auto port = node.waitUntilListening();
		CPPUNIT_ASSERT(node.output().find("(configuration: " + _stage->path()) != std::string::npos);
		// The installed node.properties makes the seed's node: every plugin.
		auto plugins = p2p::test::jsonObject(p2p::test::http(port, "GET", "/status").body)->getArray("plugins");
		std::set<std::string> loaded;
		for (std::size_t i = 0; i < plugins->size(); ++i)
		{
			const auto plugin = plugins->getObject(static_cast<unsigned>(i));
			const std::string name = plugin->getValue<std::string>("name");
			loaded.insert(name);
			CPPUNIT_ASSERT_EQUAL(prefix + "lib/p2p-node/plugins/libp2p-" + name + ".so", plugin->getValue<std::string>("library"));
		}
		CPPUNIT_ASSERT((loaded == std::set<std::string>{"messaging", "dht-router", "kvstore", "filestore", "gossip"}));
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(port, "POST", "/message", R"({"sender_id": "Node1", "message": "Hello Node2!"})").status);
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(port, "POST", "/kv", R"({"key": "color", "value": "blue"})").status);
	}

	void testSystemdUnitVerifies()
	{
		// The unit as shipped, pointed at the staged binary (verify checks that
		// ExecStart exists), under an instance name.
		const std::string prefix = install();
		std::string unit;
		{
			Poco::FileInputStream in(p2p::test::sourceDir() + "/container/systemd/p2p-node@.service");
			unit.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
		}
		const std::string shipped = "/usr/bin/p2p-node";
		CPPUNIT_ASSERT(unit.find(shipped) != std::string::npos);
		unit.replace(unit.find(shipped), shipped.size(), prefix + "bin/p2p-node");
		const std::string file = _stage->file("p2p-node@node1.service");
		{
			Poco::FileOutputStream out(file);
			out << unit;
		}
		const auto [status, said] = run("/usr/bin/systemd-analyze", {"verify", file}, {});
		CPPUNIT_ASSERT_EQUAL_MESSAGE(said, 0, status);
		CPPUNIT_ASSERT_MESSAGE("systemd-analyze had remarks:\n" + said, said.empty()); // unknown keys only warn
	}

private:
	/// Stages the build's install tree; returns the staged prefix with a trailing '/'.
	std::string install()
	{
		const auto [status, log] = run(P2P_TEST_CMAKE, {"--install", P2P_TEST_BUILD_DIR}, {{"DESTDIR", _stage->path()}});
		CPPUNIT_ASSERT_EQUAL_MESSAGE(log, 0, status);
		return _stage->path() + std::string(P2P_TEST_INSTALL_PREFIX).substr(1) + "/";
	}

	static std::pair<int, std::string> run(const std::string& command, const std::vector<std::string>& args,
	                                       const std::map<std::string, std::string>& env)
	{
		const auto result = p2p::test::runCommand(command, args, env);
		return {result.status, result.output};
	}

	std::unique_ptr<TempDir> _stage;
};

CPPUNIT_TEST_SUITE_REGISTRATION(InstallTest);
