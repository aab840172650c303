#include "NodeProcess.h"
#include <Poco/File.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <iterator>
#include <cppunit/extensions/HelperMacros.h>

using p2p::test::NodeProcess;
using p2p::test::TempDir;

/// `cmake --install` into a staging directory (DESTDIR), then the installed
/// node: it must find its configuration and plugins with no path flags.
class InstallTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(InstallTest);
	CPPUNIT_TEST(testInstalledNodeFindsConfigAndPlugins);
	CPPUNIT_TEST_SUITE_END();

public:
	void testInstalledNodeFindsConfigAndPlugins()
	{
		TempDir stage;
		Poco::Process::Env env{{"DESTDIR", stage.path()}};
		Poco::Pipe output;
		Poco::ProcessHandle install = Poco::Process::launch(P2P_TEST_CMAKE, {"--install", P2P_TEST_BUILD_DIR}, "", nullptr,
		                                                    &output, &output, env);
		output.close(Poco::Pipe::CLOSE_WRITE);
		Poco::PipeInputStream in(output);
		std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
		CPPUNIT_ASSERT_EQUAL_MESSAGE(log, 0, install.wait());

		const std::string prefix = stage.path() + std::string(P2P_TEST_INSTALL_PREFIX).substr(1) + "/";
		for (const char* file : {"bin/p2p-node", "bin/p2p-cluster", "lib/p2p-node/plugins/libp2p-messaging.so",
		                         "lib/p2p-node/plugins/libp2p-bootstrap.so", "lib/p2p-node/plugins/libp2p-kvstore.so",
		                         "lib/p2p-node/plugins/libp2p-dht-router.so"})
			CPPUNIT_ASSERT_MESSAGE(file, Poco::File(prefix + file).exists());
		CPPUNIT_ASSERT(!Poco::File(prefix + "lib/p2p-node/plugins/libp2p-testkit.so").exists()); // test plugins stay out

		// No --config and no plugins.path: both are found from the binary's place.
		NodeProcess node({}, prefix + "bin/p2p-node");
		const auto port = node.waitUntilListening();
		CPPUNIT_ASSERT(node.output().find("(configuration: " + stage.path()) != std::string::npos);
		auto plugins = p2p::test::jsonObject(p2p::test::http(port, "GET", "/status").body)->getArray("plugins");
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), plugins->size()); // node.properties loads messaging
		CPPUNIT_ASSERT_EQUAL(prefix + "lib/p2p-node/plugins/libp2p-messaging.so", plugins->getObject(0)->getValue<std::string>("library"));
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(port, "POST", "/message", R"({"sender_id": "Node1", "message": "Hello Node2!"})").status);
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(InstallTest);
