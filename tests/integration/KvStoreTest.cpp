#include "NodeProcess.h"
#include <cppunit/extensions/HelperMacros.h>

using p2p::test::HttpResult;
using p2p::test::NodeProcess;
using p2p::test::TempDir;

/// The kvstore plugin on a single real node (no dht-router: local storage,
/// as in the seed's phase 2).
class KvStoreTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(KvStoreTest);
	CPPUNIT_TEST(testSeedContract);
	CPPUNIT_TEST(testPutDeleteAndEncodedKeys);
	CPPUNIT_TEST(testBadInputStoresNothing);
	CPPUNIT_TEST(testSqliteKeepsKeysAcrossRestart);
	CPPUNIT_TEST(testMemoryBackendAndBadBackend);
	CPPUNIT_TEST_SUITE_END();

public:
	void testSeedContract()
	{
		NodeProcess node({"-Dplugins.load=kvstore"});
		const auto port = node.waitUntilListening();
		HttpResult stored = p2p::test::http(port, "POST", "/kv", R"({"key": "color", "value": "blue"})");
		CPPUNIT_ASSERT_EQUAL(200, stored.status);
		CPPUNIT_ASSERT_EQUAL(std::string(R"({"key":"color","status":"stored","value":"blue"})"), stored.body);
		HttpResult read = p2p::test::http(port, "GET", "/kv/color");
		CPPUNIT_ASSERT_EQUAL(std::string(R"({"key":"color","value":"blue"})"), read.body);
		HttpResult missing = p2p::test::http(port, "GET", "/kv/nosuch");
		CPPUNIT_ASSERT_EQUAL(404, missing.status);
		CPPUNIT_ASSERT_EQUAL(std::string("key not found"), p2p::test::jsonObject(missing.body)->getValue<std::string>("error"));
	}

	void testPutDeleteAndEncodedKeys()
	{
		NodeProcess node({"-Dplugins.load=kvstore"});
		const auto port = node.waitUntilListening();
		HttpResult put = p2p::test::http(port, "PUT", "/kv/a%2Fb%20c", R"({"n": [1, 2], "ok": true})");
		CPPUNIT_ASSERT_EQUAL(200, put.status);
		CPPUNIT_ASSERT_EQUAL(std::string(R"({"key":"a/b c","value":{"n":[1,2],"ok":true}})"), p2p::test::http(port, "GET", "/kv/a%2Fb%20c").body);
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(port, "PUT", "/kv/n", "42").status);
		CPPUNIT_ASSERT_EQUAL(std::string(R"({"key":"n","value":42})"), p2p::test::http(port, "GET", "/kv/n").body);
		HttpResult deleted = p2p::test::http(port, "DELETE", "/kv/n");
		CPPUNIT_ASSERT_EQUAL(std::string(R"({"key":"n","status":"deleted"})"), deleted.body);
		CPPUNIT_ASSERT_EQUAL(404, p2p::test::http(port, "GET", "/kv/n").status);
		CPPUNIT_ASSERT_EQUAL(404, p2p::test::http(port, "DELETE", "/kv/n").status);
	}

	void testBadInputStoresNothing()
	{
		NodeProcess node({"-Dplugins.load=kvstore"});
		const auto port = node.waitUntilListening();
		const std::pair<const char*, int> cases[] = {
			{"{bad", 400}, {R"({"value": 1})", 400}, {R"({"key": 7, "value": 1})", 400}, {R"({"key": "k"})", 400},
			{R"({"key": "", "value": 1})", 400}, {R"(["key", "value"])", 400}};
		for (const auto& [body, status] : cases)
			CPPUNIT_ASSERT_EQUAL_MESSAGE(body, status, p2p::test::http(port, "POST", "/kv", body).status);
		CPPUNIT_ASSERT_EQUAL(400, p2p::test::http(port, "POST", "/kv", "{\"key\": \"" + std::string(1025, 'k') + "\", \"value\": 1}").status);
		CPPUNIT_ASSERT_EQUAL(413, p2p::test::http(port, "POST", "/kv", "{\"key\": \"big\", \"value\": \"" + std::string(2 << 20, 'v') + "\"}").status);
		CPPUNIT_ASSERT_EQUAL(415, p2p::test::http(port, "POST", "/kv", "key=k&value=v", "application/x-www-form-urlencoded").status);
		CPPUNIT_ASSERT(p2p::test::http(port, "GET", "/metrics").body.find("p2p_kvstore_keys 0\n") != std::string::npos);
	}

	void testSqliteKeepsKeysAcrossRestart()
	{
		TempDir data;
		{
			NodeProcess node({"-Dplugins.load=kvstore", "-Dnode.data_dir=" + data.path()});
			const auto port = node.waitUntilListening();
			CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(port, "POST", "/kv", R"({"key": "color", "value": "blue"})").status);
			node.terminate();
			CPPUNIT_ASSERT_EQUAL(0, node.waitForExit());
		}
		NodeProcess again({"-Dplugins.load=kvstore", "-Dnode.data_dir=" + data.path()});
		CPPUNIT_ASSERT_EQUAL(std::string(R"({"key":"color","value":"blue"})"), p2p::test::http(again.waitUntilListening(), "GET", "/kv/color").body);
	}

	void testMemoryBackendAndBadBackend()
	{
		NodeProcess memory({"-Dplugins.load=kvstore", "-Dkvstore.backend=memory"});
		const auto port = memory.waitUntilListening();
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(port, "POST", "/kv", R"({"key": "k", "value": 1})").status);
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(port, "GET", "/kv/k").status);

		NodeProcess bad({"-Dplugins.load=kvstore", "-Dkvstore.backend=redis"});
		CPPUNIT_ASSERT(bad.waitForExit() != 0);
		CPPUNIT_ASSERT(bad.output().find("kvstore.backend must be sqlite or memory, not 'redis'") != std::string::npos);
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(KvStoreTest);
