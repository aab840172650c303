#include "NodeProcess.h"
#include <Poco/File.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/NumberParser.h>
#include <algorithm>
#include <cppunit/extensions/HelperMacros.h>
#include <csignal>

using p2p::test::HttpResult;
using p2p::test::NodeProcess;
using p2p::test::TempDir;

/// filestore over dht-router on five real nodes: each file on the two nodes
/// the ring names for it, reachable through any node.
class FileRingTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(FileRingTest);
	CPPUNIT_TEST(testUploadThroughOneNodeDownloadThroughAnother);
	CPPUNIT_TEST(testAKilledReplicaLeavesTheFileReadable);
	CPPUNIT_TEST(testPutStreamsThroughAndACutOffStoresNothing);
	CPPUNIT_TEST(testFilesMoveToTheOwnersOfAGrownRing);
	CPPUNIT_TEST(testADeleteThatComesLateKeepsANewerUpload);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_bootstrap = std::make_unique<NodeProcess>(std::vector<std::string>{"-Dplugins.load=bootstrap"});
		_registry = _bootstrap->waitUntilListening();
		for (int k = 1; k <= 5; ++k) addNode(k);
	}

	void tearDown() override
	{
		_nodes.clear();
		_bootstrap.reset();
	}

	void testUploadThroughOneNodeDownloadThroughAnother()
	{
		const std::string name = "report.txt";
		const auto owners = ownersOf(name);
		const int sender = notIn(owners, 0), reader = notIn(owners, sender);
		std::string content;
		for (int i = 0; i < 200000; ++i) content += static_cast<char>('A' + i % 23);
		const HttpResult stored = upload(sender, name, content);
		CPPUNIT_ASSERT_EQUAL_MESSAGE(stored.body, 200, stored.status);
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), p2p::test::jsonObject(stored.body)->getArray("nodes")->size());

		const HttpResult got = p2p::test::http(port(reader), "GET", "/download/" + name);
		CPPUNIT_ASSERT_EQUAL(200, got.status);
		CPPUNIT_ASSERT(got.body == content);
		CPPUNIT_ASSERT(got.headers.has("ETag"));
		const HttpResult part = p2p::test::http(port(reader), "GET", "/files/" + name, "", "", {{"Range", "bytes=5-9"}});
		CPPUNIT_ASSERT_EQUAL(206, part.status);
		CPPUNIT_ASSERT_EQUAL(content.substr(5, 5), part.body);

		// On the two owners' disks, nowhere else; the listing says so.
		auto files = p2p::test::jsonObject(p2p::test::http(port(reader), "GET", "/files").body)->getArray("files");
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), files->size());
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), files->getObject(0)->getArray("nodes")->size());
		for (int k = 1; k <= 5; ++k)
		{
			const bool owner = k == owners[0] || k == owners[1];
			CPPUNIT_ASSERT_EQUAL_MESSAGE("node" + std::to_string(k), owner ? 200 : 404,
			                             p2p::test::http(port(k), "GET", "/internal/files/" + name).status);
		}
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(port(reader), "DELETE", "/files/" + name).status);
		CPPUNIT_ASSERT_EQUAL(404, p2p::test::http(port(sender), "GET", "/files/" + name).status);
	}

	void testAKilledReplicaLeavesTheFileReadable()
	{
		const std::string name = "photo.png";
		const auto owners = ownersOf(name);
		const int sender = notIn(owners, 0);
		CPPUNIT_ASSERT_EQUAL(200, upload(sender, name, std::string(50000, 'p')).status);
		::kill(_nodes[static_cast<std::size_t>(owners[0] - 1)]->pid(), SIGKILL);
		// At once, while the ring still names the dead owner: the other copy answers.
		const int reader = notIn({owners[0], owners[1]}, sender);
		const HttpResult got = p2p::test::http(port(reader), "GET", "/download/" + name);
		CPPUNIT_ASSERT_EQUAL(200, got.status);
		CPPUNIT_ASSERT_EQUAL(std::size_t(50000), got.body.size());
	}

	void testPutStreamsThroughAndACutOffStoresNothing()
	{
		const std::string name = "stream.bin";
		const auto owners = ownersOf(name);
		const int sender = notIn(owners, 0);
		const std::string content(300000, 's');
		const HttpResult stored = p2p::test::http(port(sender), "PUT", "/files/" + name, content, "application/octet-stream");
		CPPUNIT_ASSERT_EQUAL_MESSAGE(stored.body, 200, stored.status);
		CPPUNIT_ASSERT_EQUAL(std::string("node") + std::to_string(owners[0]), stored.headers.get("X-P2P-Answered-By"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), entries(sender, "files") + entries(sender, "tmp")); // passed through, not kept
		for (int owner : owners) CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(port(owner), "GET", "/internal/files/" + name).status);

		// A client that stops half-way: nothing anywhere, and no upload left in progress.
		{
			Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port(sender)));
			const std::string request = "PUT /files/cut.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 500000\r\n\r\n" + std::string(100000, 'c');
			socket.sendBytes(request.data(), static_cast<int>(request.size()));
		}
		for (int k = 1; k <= 5; ++k)
			CPPUNIT_ASSERT_MESSAGE("node" + std::to_string(k), p2p::test::eventually([&] {
				return entries(k, "tmp") == 0 && p2p::test::http(port(k), "GET", "/internal/files/cut.bin").status == 404;
			}));
	}

	void testADeleteThatComesLateKeepsANewerUpload()
	{
		const std::string name = "late.txt";
		const auto owners = ownersOf(name);
		const std::string asked = std::to_string(Poco::Timestamp().epochMicroseconds());
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(port(owners[0]), "PUT", "/files/" + name, "newer", "text/plain").status);
		// A replica delete asked for before that upload, arriving after it.
		const HttpResult late = p2p::test::http(port(owners[1]), "DELETE", "/internal/files/" + name + "?stored_by=" + asked);
		CPPUNIT_ASSERT_EQUAL_MESSAGE(late.body, 409, late.status);
		CPPUNIT_ASSERT_EQUAL(std::string("newer"), p2p::test::http(port(owners[1]), "GET", "/internal/files/" + name).body);
		CPPUNIT_ASSERT_EQUAL(400, p2p::test::http(port(owners[1]), "DELETE", "/internal/files/" + name).status);
		// The client's own delete, asked for now, takes every copy.
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(port(owners[0]), "DELETE", "/files/" + name).status);
		for (int owner : owners)
			CPPUNIT_ASSERT_EQUAL(404, p2p::test::http(port(owner), "GET", "/internal/files/" + name).status);
	}

	void testFilesMoveToTheOwnersOfAGrownRing()
	{
		std::vector<std::string> names;
		for (int i = 0; i < 12; ++i)
		{
			names.push_back("file-" + std::to_string(i) + ".txt");
			CPPUNIT_ASSERT_EQUAL(200, upload(1 + i % 5, names.back(), "content of " + names.back()).status);
		}
		addNode(6);
		// Every file on exactly the two nodes the grown ring names, node6 among them for some.
		CPPUNIT_ASSERT(p2p::test::eventually([&] {
			for (const auto& name : names)
			{
				const auto owners = ownersOf(name);
				for (int k = 1; k <= 6; ++k)
				{
					const bool owner = std::find(owners.begin(), owners.end(), k) != owners.end();
					if ((p2p::test::http(port(k), "GET", "/internal/files/" + name).status == 200) != owner) return false;
				}
			}
			return true;
		}, Poco::Timespan(20, 0)));
		CPPUNIT_ASSERT(entries(6, "files") > 0);
		for (const auto& name : names)
			CPPUNIT_ASSERT_EQUAL("content of " + name, p2p::test::http(port(6), "GET", "/files/" + name).body);
	}

private:
	void addNode(int k)
	{
		_nodes.push_back(std::make_unique<NodeProcess>(std::vector<std::string>{
			"-Dplugins.load=dht-router, filestore", "-Dnode.id=node" + std::to_string(k),
			"-Dcluster.bootstrap=http://127.0.0.1:" + std::to_string(_registry), "-Dcluster.lease_renew_ms=300",
			"-Dhttp.access_log=false"}));
		_nodes.back()->waitUntilListening();
		for (int i = 1; i <= k; ++i)
			CPPUNIT_ASSERT(p2p::test::eventually([&] {
				return p2p::test::jsonObject(p2p::test::http(port(i), "GET", "/dht/ring").body)->getValue<int>("nodes") == k;
			}, Poco::Timespan(20, 0)));
	}

	/// Entries in node k's filestore folder (files, tmp).
	std::size_t entries(int k, const std::string& folder)
	{
		std::vector<std::string> names;
		Poco::File dir(_nodes.at(static_cast<std::size_t>(k - 1))->dataDir() + "node/filestore/" + folder);
		if (dir.exists()) dir.list(names);
		return names.size();
	}

	Poco::UInt16 port(int k) const { return _nodes.at(static_cast<std::size_t>(k - 1))->port(); }

	/// The two owners of name (node numbers), in preference order.
	std::vector<int> ownersOf(const std::string& name)
	{
		auto replicas = p2p::test::jsonObject(p2p::test::http(port(1), "GET", "/dht/locate/" + name + "?n=2").body)->getArray("replicas");
		std::vector<int> owners;
		for (std::size_t i = 0; i < replicas->size(); ++i)
			owners.push_back(Poco::NumberParser::parse(replicas->getObject(static_cast<unsigned>(i))->getValue<std::string>("id").substr(4)));
		return owners;
	}

	static int notIn(const std::vector<int>& owners, int besides)
	{
		for (int k = 1; k <= 5; ++k)
			if (k != besides && std::find(owners.begin(), owners.end(), k) == owners.end()) return k;
		return 0;
	}

	HttpResult upload(int k, const std::string& filename, const std::string& content)
	{
		const std::string body = "--B0und\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename +
		                         "\"\r\n\r\n" + content + "\r\n--B0und--\r\n";
		return p2p::test::http(port(k), "POST", "/upload", body, "multipart/form-data; boundary=B0und");
	}

	std::unique_ptr<NodeProcess> _bootstrap;
	Poco::UInt16 _registry = 0;
	std::vector<std::unique_ptr<NodeProcess>> _nodes;
};

CPPUNIT_TEST_SUITE_REGISTRATION(FileRingTest);
