#include "TestSupport.h"
#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <cppunit/extensions/HelperMacros.h>

using p2p::test::TempDir;
using p2p::test::ToolResult;

/// p2p-cluster --netns: the seed's Docker network rebuilt from network
/// namespaces. Only traffic to the addresses of namespaces this test made.
class NetnsClusterTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(NetnsClusterTest);
	CPPUNIT_TEST(testNodesReachEachOtherByName);
	CPPUNIT_TEST(testDownCleansUpAfterACrash);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override { _dir = std::make_unique<TempDir>(); }

	void tearDown() override
	{
		p2p::test::runTool("p2p-cluster", {"down", "--netns", "--dir", _dir->path(), "--grace", "5"});
		_dir.reset();
	}

	void testNodesReachEachOtherByName()
	{
		ToolResult up = p2p::test::runTool("p2p-cluster", {"up", "--netns", "--nodes", "5", "--dir", _dir->path(), "--timeout", "30"});
		CPPUNIT_ASSERT_EQUAL_MESSAGE(up.output, 0, up.status);

		// The bootstrap node from the host, through the bridge.
		auto peers = p2p::test::jsonObject(p2p::test::httpTo("10.213.0.1", 5000, "GET", "/peers").body)->getArray("peers");
		CPPUNIT_ASSERT_EQUAL(std::size_t(5), peers->size());
		for (std::size_t i = 0; i < peers->size(); ++i)
		{
			const std::string url = peers->getElement<std::string>(static_cast<unsigned>(i));
			CPPUNIT_ASSERT_MESSAGE(url, url.find("http://node") == 0 && url.find(":5000") != std::string::npos);
		}

		// From inside node3's namespace, node5 by name, as in the seed.
		const std::string answer = inNamespace("p2p-node3", {"/usr/bin/curl", "-s", "http://node5:5000/"});
		CPPUNIT_ASSERT_EQUAL(std::string(R"({"message":"Node node5 is running!"})"), answer);

		ToolResult down = p2p::test::runTool("p2p-cluster", {"down", "--dir", _dir->path()});
		CPPUNIT_ASSERT_EQUAL_MESSAGE(down.output, 0, down.status);
		assertNothingLeft();
	}

	void testDownCleansUpAfterACrash()
	{
		// What a killed launcher could leave: a namespace, its hosts file, the bridge.
		run({"/usr/sbin/ip", "netns", "add", "p2p-leftover"});
		run({"/usr/sbin/ip", "link", "add", "p2p_network", "type", "bridge"});
		Poco::File("/etc/netns/p2p-leftover").createDirectories();
		ToolResult down = p2p::test::runTool("p2p-cluster", {"down", "--netns", "--dir", _dir->path()});
		CPPUNIT_ASSERT_EQUAL_MESSAGE(down.output, 0, down.status);
		assertNothingLeft();
	}

private:
	void assertNothingLeft()
	{
		CPPUNIT_ASSERT(inNamespace("", {"/usr/sbin/ip", "netns", "list"}).find("p2p-") == std::string::npos);
		CPPUNIT_ASSERT(!Poco::File("/sys/class/net/p2p_network").exists());
		CPPUNIT_ASSERT(!Poco::File("/etc/netns/p2p-node3").exists());
		CPPUNIT_ASSERT(!Poco::File("/etc/netns/p2p-leftover").exists());
	}

	/// Runs a command (inside a namespace unless ns is empty); returns stdout.
	static std::string inNamespace(const std::string& ns, std::vector<std::string> command)
	{
		if (!ns.empty()) command.insert(command.begin(), {"/usr/sbin/ip", "netns", "exec", ns});
		return run(command);
	}

	static std::string run(const std::vector<std::string>& command)
	{
		return p2p::test::runCommand(command.front(), std::vector<std::string>(command.begin() + 1, command.end())).output;
	}

	std::unique_ptr<TempDir> _dir;
};

CPPUNIT_TEST_SUITE_REGISTRATION(NetnsClusterTest);
