#include "security/RequestSigner.h"
#include "p2p/Errors.h"
#include <Poco/String.h>
#include <Poco/Timespan.h>
#include <cppunit/extensions/HelperMacros.h>
#include <map>

using p2p::RequestSignature;
using p2p::RequestSigner;

class RequestSignerTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(RequestSignerTest);
	CPPUNIT_TEST(testSignedRequestVerifies);
	CPPUNIT_TEST(testAnyChangeBreaksTheSignature);
	CPPUNIT_TEST(testWrongSecretIsRefused);
	CPPUNIT_TEST(testARequestSignedForAnotherNodeIsRefused);
	CPPUNIT_TEST(testStaleAndFutureSignaturesAreRefused);
	CPPUNIT_TEST(testMalformedHeadersAreRefused);
	CPPUNIT_TEST(testUnsignedPayloadOnlyWhereTheBodyIsStreamed);
	CPPUNIT_TEST(testSha256OfKnownInput);
	CPPUNIT_TEST_SUITE_END();

public:
	void testSignedRequestVerifies()
	{
		const Poco::Timestamp now;
		RequestSignature claim = claimFrom(_signer.sign("PUT", "/internal/kv/a%2Fb?x=1", hash("{}"), {}, now));
		CPPUNIT_ASSERT_EQUAL(std::string("node-a"), claim.node);
		CPPUNIT_ASSERT_EQUAL(std::string("node-a"), _verifier.verify("PUT", "/internal/kv/a%2Fb?x=1", hash("{}"), claim, now));
	}

	void testAnyChangeBreaksTheSignature()
	{
		const Poco::Timestamp now;
		const RequestSignature claim = claimFrom(_signer.sign("PUT", "/internal/kv/k", hash("{\"v\":1}"), kFor, now));
		assertRefused("method", [&] { _verifier.verify("POST", "/internal/kv/k", hash("{\"v\":1}"), claim, now); });
		assertRefused("target", [&] { _verifier.verify("PUT", "/internal/kv/j", hash("{\"v\":1}"), claim, now); });
		assertRefused("body", [&] { _verifier.verify("PUT", "/internal/kv/k", hash("{\"v\":2}"), claim, now); });
		RequestSignature otherNode = claim;
		otherNode.node = "node-b";
		assertRefused("node", [&] { _verifier.verify("PUT", "/internal/kv/k", hash("{\"v\":1}"), otherNode, now); });
		RequestSignature otherTime = claim;
		otherTime.time = std::to_string(std::stoll(claim.time) - 1);
		assertRefused("time", [&] { _verifier.verify("PUT", "/internal/kv/k", hash("{\"v\":1}"), otherTime, now); });
		RequestSignature otherNonce = claim;
		otherNonce.nonce = "0123456789abcdef.8";
		assertRefused("nonce", [&] { _verifier.verify("PUT", "/internal/kv/k", hash("{\"v\":1}"), otherNonce, now); });
		RequestSignature noReceiver = claim;
		noReceiver.to.clear();
		assertRefused("receiver", [&] { _verifier.verify("PUT", "/internal/kv/k", hash("{\"v\":1}"), noReceiver, now); });
		RequestSignature flipped = claim;
		flipped.signature[10] = flipped.signature[10] == '0' ? '1' : '0';
		assertRefused("signature", [&] { _verifier.verify("PUT", "/internal/kv/k", hash("{\"v\":1}"), flipped, now); });
	}

	void testWrongSecretIsRefused()
	{
		RequestSigner stranger("another-secret-of-16+", "node-x", 30);
		const RequestSignature claim = claimFrom(stranger.sign("POST", "/gossip", hash("{}")));
		assertRefused("wrong secret", [&] { _verifier.verify("POST", "/gossip", hash("{}"), claim); });
	}

	void testARequestSignedForAnotherNodeIsRefused()
	{
		const RequestSignature forB = claimFrom(_signer.sign("DELETE", "/internal/files/a", hash(""), kFor));
		CPPUNIT_ASSERT_EQUAL(std::string("node-b"), forB.to);
		CPPUNIT_ASSERT_EQUAL(std::string("node-a"), _verifier.verify("DELETE", "/internal/files/a", hash(""), forB));
		const RequestSigner nodeC{"a-cluster-secret-of-32-characters", "node-c", 30};
		assertRefused("receiver", [&] { nodeC.verify("DELETE", "/internal/files/a", hash(""), forB); });
		// Signed for nobody in particular (a bootstrap node known by URL): any node takes it.
		nodeC.verify("DELETE", "/internal/files/a", hash(""), claimFrom(_signer.sign("DELETE", "/internal/files/a", hash(""))));
	}

	void testStaleAndFutureSignaturesAreRefused()
	{
		const Poco::Timestamp now;
		const Poco::Timestamp old = now - 31 * Poco::Timespan::SECONDS;
		const Poco::Timestamp ahead = now + 31 * Poco::Timespan::SECONDS;
		const Poco::Timestamp edge = now - 29 * Poco::Timespan::SECONDS;
		assertRefused("31 s old", [&] { _verifier.verify("GET", "/x", hash(""), claimFrom(_signer.sign("GET", "/x", hash(""), {}, old)), now); });
		assertRefused("31 s ahead", [&] { _verifier.verify("GET", "/x", hash(""), claimFrom(_signer.sign("GET", "/x", hash(""), {}, ahead)), now); });
		_verifier.verify("GET", "/x", hash(""), claimFrom(_signer.sign("GET", "/x", hash(""), {}, edge)), now);
	}

	void testMalformedHeadersAreRefused()
	{
		const RequestSignature good = claimFrom(_signer.sign("GET", "/x", hash("")));
		std::map<std::string, RequestSignature> bad;
		auto variant = [&](const std::string& what) -> RequestSignature& { return bad[what] = good; };
		variant("no signature").signature.clear();
		variant("no node").node.clear();
		variant("upper-case hex").signature = Poco::toUpper(good.signature);
		variant("short signature").signature.pop_back();
		variant("time with sign").time = "+" + good.time;
		variant("time not a number").time = "yesterday";
		variant("huge time").time = "99999999999999999999";
		variant("body hash not hex").bodyHash = std::string(64, 'z');
		for (const auto& [what, claim] : bad)
			assertRefused(what, [&, c = claim] { _verifier.verify("GET", "/x", hash(""), c); });
	}

	void testUnsignedPayloadOnlyWhereTheBodyIsStreamed()
	{
		const RequestSignature claim = claimFrom(_signer.sign("PUT", "/internal/files/a", RequestSigner::UnsignedPayload));
		// A streamed route passes the claim on as the hash...
		_verifier.verify("PUT", "/internal/files/a", RequestSigner::UnsignedPayload, claim);
		// ...a route that read the body holds the body's hash.
		assertRefused("unsigned payload on a JSON route", [&] { _verifier.verify("PUT", "/internal/files/a", hash("x"), claim); });
	}

	void testSha256OfKnownInput()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), hash(""));
		CPPUNIT_ASSERT_EQUAL(std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), hash("abc"));
		CPPUNIT_ASSERT_EQUAL(hash(""), RequestSigner::EmptyBodyHash);
	}

private:
	static std::string hash(const std::string& body) { return RequestSigner::sha256Hex(body); }

	static RequestSignature claimFrom(const RequestSigner::Headers& headers)
	{
		RequestSignature claim;
		for (const auto& [name, value] : headers)
		{
			if (name == RequestSigner::NodeHeader) claim.node = value;
			else if (name == RequestSigner::TimeHeader) claim.time = value;
			else if (name == RequestSigner::BodyHashHeader) claim.bodyHash = value;
			else if (name == RequestSigner::SignatureHeader) claim.signature = value;
			else if (name == RequestSigner::NonceHeader) claim.nonce = value;
			else if (name == RequestSigner::ToHeader) claim.to = value;
		}
		return claim;
	}

	template <class F>
	static void assertRefused(const std::string& what, F f)
	{
		try
		{
			f();
		}
		catch (const p2p::UnauthorizedException&)
		{
			return;
		}
		CPPUNIT_FAIL("accepted a request with a bad " + what);
	}

	inline static const p2p::SignedFor kFor{"node-b", "00000000000000aa.7"};
	RequestSigner _signer{"a-cluster-secret-of-32-characters", "node-a", 30};
	RequestSigner _verifier{"a-cluster-secret-of-32-characters", "node-b", 30};
};

CPPUNIT_TEST_SUITE_REGISTRATION(RequestSignerTest);
