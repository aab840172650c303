#include "NodeProcess.h"
#include <Poco/DigestEngine.h>
#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/SHA2Engine.h>
#include <cppunit/extensions/HelperMacros.h>

using p2p::test::HttpResult;
using p2p::test::NodeProcess;

/// The filestore plugin on one real node.
class FileStoreTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(FileStoreTest);
	CPPUNIT_TEST(testSeedUploadAndDownload);
	CPPUNIT_TEST(testRangesConditionalsAndHead);
	CPPUNIT_TEST(testListReplaceAndDelete);
	CPPUNIT_TEST(testHostileNamesNeverLeaveTheDataDirectory);
	CPPUNIT_TEST(testMalformedAndOversizedUploadsStoreNothing);
	CPPUNIT_TEST(testClientCutOffMidUploadLeavesNothing);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_node = std::make_unique<NodeProcess>(std::vector<std::string>{"-Dplugins.load=filestore", "-Dfilestore.max_upload_bytes=1048576"});
		_port = _node->waitUntilListening();
	}

	void tearDown() override { _node.reset(); }

	void testSeedUploadAndDownload()
	{
		const std::string content = "The seed's document.\n";
		const HttpResult stored = upload("mydoc.txt", content);
		CPPUNIT_ASSERT_EQUAL_MESSAGE(stored.body, 200, stored.status);
		auto answer = p2p::test::jsonObject(stored.body);
		CPPUNIT_ASSERT_EQUAL(std::string("mydoc.txt"), answer->getValue<std::string>("filename"));
		CPPUNIT_ASSERT_EQUAL(std::string("uploaded"), answer->getValue<std::string>("status"));
		CPPUNIT_ASSERT_EQUAL(sha256(content), answer->getValue<std::string>("sha256"));

		const HttpResult got = p2p::test::http(_port, "GET", "/download/mydoc.txt");
		CPPUNIT_ASSERT_EQUAL(200, got.status);
		CPPUNIT_ASSERT_EQUAL(content, got.body);
		CPPUNIT_ASSERT_EQUAL(std::string("text/plain; charset=utf-8"), got.headers.get("Content-Type"));
		CPPUNIT_ASSERT_EQUAL(std::to_string(content.size()), got.headers.get("Content-Length"));
		CPPUNIT_ASSERT_EQUAL("\"" + sha256(content) + "\"", got.headers.get("ETag"));
		CPPUNIT_ASSERT(got.headers.get("Content-Disposition").find("attachment; filename=\"mydoc.txt\"") == 0);
		CPPUNIT_ASSERT(got.headers.has("Last-Modified"));
		CPPUNIT_ASSERT_EQUAL(404, p2p::test::http(_port, "GET", "/download/nosuch.txt").status);
	}

	void testRangesConditionalsAndHead()
	{
		std::string data;
		for (int i = 0; i < 1000; ++i) data += static_cast<char>('a' + i % 26);
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(_port, "PUT", "/files/data.bin", data, "application/octet-stream").status);
		const HttpResult part = p2p::test::http(_port, "GET", "/files/data.bin", "", "", {{"Range", "bytes=10-19"}});
		CPPUNIT_ASSERT_EQUAL(206, part.status);
		CPPUNIT_ASSERT_EQUAL(data.substr(10, 10), part.body);
		CPPUNIT_ASSERT_EQUAL(std::string("bytes 10-19/1000"), part.headers.get("Content-Range"));
		const HttpResult tail = p2p::test::http(_port, "GET", "/files/data.bin", "", "", {{"Range", "bytes=-5"}});
		CPPUNIT_ASSERT_EQUAL(data.substr(995), tail.body);
		const HttpResult beyond = p2p::test::http(_port, "GET", "/files/data.bin", "", "", {{"Range", "bytes=5000-"}});
		CPPUNIT_ASSERT_EQUAL(416, beyond.status);
		CPPUNIT_ASSERT_EQUAL(std::string("bytes */1000"), beyond.headers.get("Content-Range"));

		const std::string etag = p2p::test::http(_port, "GET", "/files/data.bin").headers.get("ETag");
		const HttpResult same = p2p::test::http(_port, "GET", "/files/data.bin", "", "", {{"If-None-Match", etag}});
		CPPUNIT_ASSERT_EQUAL(304, same.status);
		CPPUNIT_ASSERT(same.body.empty());
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(_port, "GET", "/files/data.bin", "", "", {{"If-None-Match", "\"other\""}}).status);

		const HttpResult head = p2p::test::http(_port, "HEAD", "/files/data.bin");
		CPPUNIT_ASSERT_EQUAL(200, head.status);
		CPPUNIT_ASSERT_EQUAL(std::string("1000"), head.headers.get("Content-Length"));
		CPPUNIT_ASSERT(head.body.empty());
	}

	void testListReplaceAndDelete()
	{
		p2p::test::http(_port, "PUT", "/files/notes.md", "first", "text/markdown");
		p2p::test::http(_port, "PUT", "/files/notes.md", "second, longer", "text/markdown");
		upload("other.txt", "x");
		auto files = p2p::test::jsonObject(p2p::test::http(_port, "GET", "/files").body)->getArray("files");
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), files->size());
		auto notes = files->getObject(0);
		CPPUNIT_ASSERT_EQUAL(std::string("notes.md"), notes->getValue<std::string>("filename"));
		CPPUNIT_ASSERT_EQUAL(14, notes->getValue<int>("size"));
		CPPUNIT_ASSERT_EQUAL(sha256("second, longer"), notes->getValue<std::string>("sha256"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), notes->getArray("nodes")->size());
		CPPUNIT_ASSERT_EQUAL(std::string("second, longer"), p2p::test::http(_port, "GET", "/files/notes.md").body);
		// The longest name there may be, metadata and all.
		const std::string longest(255, 'n');
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(_port, "PUT", "/files/" + longest, "long", "text/plain").status);
		CPPUNIT_ASSERT_EQUAL("\"" + sha256("long") + "\"", p2p::test::http(_port, "GET", "/files/" + longest).headers.get("ETag"));
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(_port, "DELETE", "/files/" + longest).status);
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(_port, "DELETE", "/files/notes.md").status);
		CPPUNIT_ASSERT_EQUAL(404, p2p::test::http(_port, "GET", "/files/notes.md").status);
		CPPUNIT_ASSERT_EQUAL(404, p2p::test::http(_port, "DELETE", "/files/notes.md").status);
	}

	void testHostileNamesNeverLeaveTheDataDirectory()
	{
		for (const char* path : {"/files/..%2F..%2Fescape", "/files/..", "/files/%2e%2e", "/files/a%5Cb", "/files/x%00y",
		                         "/files/line%0Abreak"})
		{
			CPPUNIT_ASSERT_EQUAL_MESSAGE(path, 400, p2p::test::http(_port, "PUT", path, "evil", "text/plain").status);
			CPPUNIT_ASSERT_EQUAL_MESSAGE(path, 400, p2p::test::http(_port, "GET", path).status);
		}
		CPPUNIT_ASSERT_EQUAL(400, p2p::test::http(_port, "GET", "/download/..%2Fnode-id").status);
		for (const char* name : {"../escape.txt", "..", "a/b.txt", "a\\\\b.txt"}) // quoted: the part says a\\b.txt
			CPPUNIT_ASSERT_EQUAL_MESSAGE(name, 400, upload(name, "evil").status);
		// A percent sign is only a character of a name: stored as it is, inside files/.
		CPPUNIT_ASSERT_EQUAL(200, upload("%2e%2e%2fliteral", "fine").status);

		// On disk: nothing but the store's own folders, and only that one file in them.
		const std::string store = _node->dataDir() + "node/filestore/";
		std::vector<std::string> entries;
		Poco::File(store).list(entries);
		std::sort(entries.begin(), entries.end());
		CPPUNIT_ASSERT_EQUAL(std::string("files meta tmp"), entries[0] + " " + entries[1] + " " + entries[2]);
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), entries.size());
		std::vector<std::string> stored;
		Poco::File(store + "files").list(stored);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), stored.size());
		CPPUNIT_ASSERT_EQUAL(std::string("%2e%2e%2fliteral"), stored[0]);
		std::vector<std::string> outside;
		Poco::File(_node->dataDir()).list(outside);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), outside.size()); // only node/
	}

	void testMalformedAndOversizedUploadsStoreNothing()
	{
		CPPUNIT_ASSERT_EQUAL(400, p2p::test::http(_port, "POST", "/upload", "just bytes", "application/octet-stream").status);
		CPPUNIT_ASSERT_EQUAL(400, p2p::test::http(_port, "POST", "/upload", "--x\r\n", "multipart/form-data").status); // no boundary
		const std::string noFile = "--b\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nvalue\r\n--b--\r\n";
		CPPUNIT_ASSERT_EQUAL(400, p2p::test::http(_port, "POST", "/upload", noFile, "multipart/form-data; boundary=b").status);
		const std::string truncated = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"t.txt\"\r\n\r\npartial";
		CPPUNIT_ASSERT_EQUAL(400, p2p::test::http(_port, "POST", "/upload", truncated, "multipart/form-data; boundary=b").status);
		const std::string noEnd = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"t.txt\"\r\n\r\nall of it\r\n";
		CPPUNIT_ASSERT_EQUAL(400, p2p::test::http(_port, "POST", "/upload", noEnd, "multipart/form-data; boundary=b").status);
		CPPUNIT_ASSERT_EQUAL(400, p2p::test::http(_port, "POST", "/upload", noFile, "multipart/form-data; boundary=" + std::string(71, 'b')).status);
		CPPUNIT_ASSERT_EQUAL(413, upload("big.bin", std::string(1048577, 'x')).status);
		// A field beside the file counts towards the limit too.
		const std::string padded = "--b\r\nContent-Disposition: form-data; name=\"pad\"\r\n\r\n" + std::string(1200000, 'p') +
		                           "\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\nx\r\n--b--\r\n";
		CPPUNIT_ASSERT_EQUAL(413, p2p::test::http(_port, "POST", "/upload", padded, "multipart/form-data; boundary=b").status);
		CPPUNIT_ASSERT_EQUAL(413, p2p::test::http(_port, "PUT", "/files/big.bin", std::string(1048577, 'x'), "application/octet-stream").status);
		auto files = p2p::test::jsonObject(p2p::test::http(_port, "GET", "/files").body)->getArray("files");
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), files->size());
		CPPUNIT_ASSERT(p2p::test::eventually([&] { return tmpEntries() == 0; }));
	}

	void testClientCutOffMidUploadLeavesNothing()
	{
		// A chunked PUT cannot be told from a cut-off one: a length is required.
		{
			Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", _port));
			const std::string request = "PUT /files/c.bin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
			                            "5\r\nhello\r\n0\r\n\r\n";
			socket.sendBytes(request.data(), static_cast<int>(request.size()));
			char answer[64] = {};
			socket.receiveBytes(answer, sizeof(answer) - 1);
			CPPUNIT_ASSERT_MESSAGE(answer, std::string(answer).find("411") != std::string::npos);
		}
		{
			Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", _port));
			const std::string head = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.bin\"\r\n\r\n";
			const std::string request = "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
			                            "Content-Length: 900000\r\n\r\n" + head + std::string(200000, 'z');
			socket.sendBytes(request.data(), static_cast<int>(request.size()));
			CPPUNIT_ASSERT(p2p::test::eventually([&] { return tmpEntries() == 1; })); // being received
		} // and the client is gone
		CPPUNIT_ASSERT(p2p::test::eventually([&] { return tmpEntries() == 0; }));
		CPPUNIT_ASSERT_EQUAL(404, p2p::test::http(_port, "GET", "/files/cut.bin").status);
	}

private:
	HttpResult upload(const std::string& filename, const std::string& content)
	{
		const std::string body = "--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nignored\r\n"
		                         "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename +
		                         "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + content + "\r\n--XyZ--\r\n";
		return p2p::test::http(_port, "POST", "/upload", body, "multipart/form-data; boundary=XyZ");
	}

	std::size_t tmpEntries()
	{
		std::vector<std::string> entries;
		Poco::File(_node->dataDir() + "node/filestore/tmp").list(entries);
		return entries.size();
	}

	static std::string sha256(const std::string& text)
	{
		Poco::SHA2Engine engine;
		engine.update(text);
		return Poco::DigestEngine::digestToHex(engine.digest());
	}

	std::unique_ptr<NodeProcess> _node;
	Poco::UInt16 _port = 0;
};

CPPUNIT_TEST_SUITE_REGISTRATION(FileStoreTest);
