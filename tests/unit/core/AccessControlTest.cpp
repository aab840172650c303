#include "security/AccessControl.h"
#include "LoopbackServer.h"
#include "cluster/PeerClientImpl.h"
#include "security/PeerSecurity.h"
#include "TestSupport.h"
#include "p2p/Json.h"
#include "p2p/PeerClient.h"
#include <cppunit/extensions/HelperMacros.h>
#include <atomic>
#include <sstream>

using p2p::test::HttpResult;

/// The router's access rules end to end: a real server, requests signed by
/// a real PeerClient or sent bare.
class AccessControlTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(AccessControlTest);
	CPPUNIT_TEST(testPeerRouteNeedsTheClusterSignature);
	CPPUNIT_TEST(testSignatureCoversTheJsonBody);
	CPPUNIT_TEST(testASignedRequestIsTakenOnce);
	CPPUNIT_TEST(testStreamedBodiesAreSignedByTheirHead);
	CPPUNIT_TEST(testClientRouteNeedsTokenOrSignature);
	CPPUNIT_TEST(testPublicRouteIsAlwaysOpen);
	CPPUNIT_TEST(testOnlySignedRequestsComeFromNodes);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_loopback = std::make_unique<p2p::test::LoopbackServer>();
		p2p::HttpRouter& router = _loopback->router();
		p2p::RouteOptions peerJson;
		peerJson.body = p2p::Body::Json;
		peerJson.access = p2p::Access::Peer;
		router.add("POST", "/internal/echo", [this](p2p::Request& rq, p2p::Response& rs) {
			++_handled;
			rs.json(rq.json());
		}, peerJson);
		p2p::RouteOptions peerStream;
		peerStream.body = p2p::Body::Stream;
		peerStream.access = p2p::Access::Peer;
		router.add("PUT", "/internal/blob", [this](p2p::Request& rq, p2p::Response& rs) {
			++_handled;
			std::ostringstream body;
			body << rq.body().rdbuf();
			auto answer = p2p::json::object();
			answer->set("bytes", body.str().size());
			rs.json(answer);
		}, peerStream);
		router.add("GET", "/things", [this](p2p::Request& rq, p2p::Response& rs) {
			++_handled;
			auto answer = p2p::json::object();
			answer->set("from_node", rq.fromNode());
			rs.json(answer);
		});
		p2p::RouteOptions open;
		open.access = p2p::Access::Public;
		router.add("GET", "/health", [](p2p::Request&, p2p::Response& rs) { rs.json(p2p::json::object()); }, open);

		auto signer = std::make_shared<p2p::RequestSigner>(kSecret, "verifier", 30);
		auto clients = std::make_shared<p2p::ClientCredentials>("client-token", "");
		router.protect(std::make_shared<p2p::AccessControl>(signer, clients));
		_loopback->start();
	}

	void tearDown() override { _loopback.reset(); }

	void testPeerRouteNeedsTheClusterSignature()
	{
		HttpResult bare = p2p::test::http(_loopback->port(), "POST", "/internal/echo", R"({"a":1})");
		CPPUNIT_ASSERT_EQUAL(401, bare.status);
		CPPUNIT_ASSERT(bare.body.find("signed") != std::string::npos);
		// A client's token is no way in to node-to-node routes.
		HttpResult withToken = p2p::test::http(_loopback->port(), "POST", "/internal/echo", R"({"a":1})", "application/json",
		                                       {{"Authorization", "Bearer client-token"}});
		CPPUNIT_ASSERT_EQUAL(401, withToken.status);
		CPPUNIT_ASSERT_EQUAL(401, client("a-different-secret-of-32-chars").send(url(), "POST", "/internal/echo", R"({"a":1})").status);
		CPPUNIT_ASSERT_EQUAL(0, _handled.load());

		p2p::PeerResponse signedAnswer = client(kSecret).send(url(), "POST", "/internal/echo", R"({"a":1})");
		CPPUNIT_ASSERT_EQUAL(200, signedAnswer.status);
		CPPUNIT_ASSERT_EQUAL(std::string(R"({"a":1})"), signedAnswer.body);
		CPPUNIT_ASSERT_EQUAL(1, _handled.load());
	}

	void testSignatureCoversTheJsonBody()
	{
		const auto headers = signatureFor("POST", "/internal/echo", R"({"a":1})");
		HttpResult swapped = p2p::test::http(_loopback->port(), "POST", "/internal/echo", R"({"a":2})", "application/json", headers);
		CPPUNIT_ASSERT_EQUAL(401, swapped.status);
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(_loopback->port(), "POST", "/internal/echo", R"({"a":1})", "application/json", headers).status);
		CPPUNIT_ASSERT_EQUAL(1, _handled.load());
	}

	void testASignedRequestIsTakenOnce()
	{
		const auto headers = signatureFor("POST", "/internal/echo", R"({"a":1})");
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(_loopback->port(), "POST", "/internal/echo", R"({"a":1})", "application/json", headers).status);
		HttpResult replayed = p2p::test::http(_loopback->port(), "POST", "/internal/echo", R"({"a":1})", "application/json", headers);
		CPPUNIT_ASSERT_EQUAL(401, replayed.status);
		CPPUNIT_ASSERT(replayed.body.find("a replay") != std::string::npos);
		// Without a nonce a signature cannot be told from a replay.
		p2p::RequestSigner signer(kSecret, "sender", 30);
		std::map<std::string, std::string> bare;
		for (const auto& [name, value] : signer.sign("POST", "/internal/echo", p2p::RequestSigner::sha256Hex(R"({"a":1})")))
			bare[name] = value;
		HttpResult noNonce = p2p::test::http(_loopback->port(), "POST", "/internal/echo", R"({"a":1})", "application/json", bare);
		CPPUNIT_ASSERT_EQUAL(401, noNonce.status);
		CPPUNIT_ASSERT(noNonce.body.find("X-P2P-Nonce") != std::string::npos);
		CPPUNIT_ASSERT_EQUAL(1, _handled.load());
	}

	void testStreamedBodiesAreSignedByTheirHead()
	{
		const std::string blob(100000, 'x');
		std::istringstream in(blob);
		int status = 0;
		client(kSecret).stream(url(), "PUT", "/internal/blob", {}, &in, static_cast<std::streamsize>(blob.size()),
		                       "application/octet-stream",
		                       [&](const Poco::Net::HTTPResponse& head, std::istream&) { status = head.getStatus(); });
		CPPUNIT_ASSERT_EQUAL(200, status);
		CPPUNIT_ASSERT_EQUAL(401, p2p::test::http(_loopback->port(), "PUT", "/internal/blob", blob, "application/octet-stream").status);
		CPPUNIT_ASSERT_EQUAL(1, _handled.load());
	}

	void testClientRouteNeedsTokenOrSignature()
	{
		HttpResult bare = p2p::test::http(_loopback->port(), "GET", "/things");
		CPPUNIT_ASSERT_EQUAL(401, bare.status);
		CPPUNIT_ASSERT_EQUAL(std::string("Bearer realm=\"p2p-node\""), bare.headers.get("WWW-Authenticate", ""));
		CPPUNIT_ASSERT_EQUAL(401, p2p::test::http(_loopback->port(), "GET", "/things", "", "application/json",
		                                          {{"Authorization", "Bearer wrong"}}).status);
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(_loopback->port(), "GET", "/things", "", "application/json",
		                                          {{"Authorization", "Bearer client-token"}}).status);
		CPPUNIT_ASSERT_EQUAL(200, client(kSecret).send(url(), "GET", "/things").status);
		// A wrong signature is refused even where a token would do.
		CPPUNIT_ASSERT_EQUAL(401, client("a-different-secret-of-32-chars").send(url(), "GET", "/things").status);
		CPPUNIT_ASSERT_EQUAL(2, _handled.load());
	}

	void testPublicRouteIsAlwaysOpen()
	{
		CPPUNIT_ASSERT_EQUAL(200, p2p::test::http(_loopback->port(), "GET", "/health").status);
		CPPUNIT_ASSERT_EQUAL(200, client("a-different-secret-of-32-chars").send(url(), "GET", "/health").status);
	}

	void testOnlySignedRequestsComeFromNodes()
	{
		HttpResult withToken = p2p::test::http(_loopback->port(), "GET", "/things", "", "application/json",
		                                       {{"Authorization", "Bearer client-token"}, {"X-P2P-Forwarded-By", "node9"}});
		CPPUNIT_ASSERT_EQUAL(std::string(R"({"from_node":false})"), withToken.body);
		CPPUNIT_ASSERT_EQUAL(std::string(R"({"from_node":true})"), client(kSecret).send(url(), "GET", "/things").body);
	}

private:
	static constexpr const char* kSecret = "the-cluster-secret-of-32-chars!!";

	std::string url() const { return _loopback->url(); }

	/// The headers that sign method path with body, numbered as a node numbers them.
	std::map<std::string, std::string> signatureFor(const std::string& method, const std::string& path, const std::string& body)
	{
		p2p::RequestSigner signer(kSecret, "sender", 30);
		std::map<std::string, std::string> headers;
		for (const auto& [name, value] : signer.sign(method, path, p2p::RequestSigner::sha256Hex(body), _stamps.next("here", 1)))
			headers[name] = value;
		return headers;
	}

	p2p::PeerClient& client(const std::string& secret)
	{
		auto security = std::make_shared<p2p::PeerSecurity>(std::make_shared<p2p::RequestSigner>(secret, "sender", 30));
		_clients.push_back(p2p::PeerClient::Impl::secured(p2p::PeerClient::Settings(), security));
		return *_clients.back();
	}

	std::unique_ptr<p2p::test::LoopbackServer> _loopback;
	std::vector<std::unique_ptr<p2p::PeerClient>> _clients;
	std::atomic<int> _handled{0};
	p2p::PeerStamps _stamps;
};

CPPUNIT_TEST_SUITE_REGISTRATION(AccessControlTest);
