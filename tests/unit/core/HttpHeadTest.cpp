#include "http/HttpHead.h"
#include <cppunit/extensions/HelperMacros.h>

using p2p::ChunkedDecoder;
using p2p::HttpHead;
using p2p::HttpHeadParser;
using p2p::MalformedHttp;
using namespace std::string_literals;

/// The strict HTTP/1.x reader: what it takes, where it says a message
/// ends, and the status it refuses each kind of bad head with.
class HttpHeadTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(HttpHeadTest);
	CPPUNIT_TEST(testARequestHeadIsReadWithItsFraming);
	CPPUNIT_TEST(testAHeadArrivingByteByByteIsReadOnceWhole);
	CPPUNIT_TEST(testKeepAliveFollowsTheVersionAndConnection);
	CPPUNIT_TEST(testChunkedRequestsAndExpectContinue);
	CPPUNIT_TEST(testAmbiguousFramingIsRefused);
	CPPUNIT_TEST(testMalformedLinesAreRefused);
	CPPUNIT_TEST(testVersionsOtherThanOneZeroAndOneOneGet505);
	CPPUNIT_TEST(testOversizedHeadsGet431AndLongTargets414);
	CPPUNIT_TEST(testResponsesAndTheirBodies);
	CPPUNIT_TEST(testChunkedBodiesDecodeAcrossReads);
	CPPUNIT_TEST(testMalformedChunksAreRefused);
	CPPUNIT_TEST_SUITE_END();

public:
	void testARequestHeadIsReadWithItsFraming()
	{
		const std::string wire = "PUT /kv/a?x=1 HTTP/1.1\r\nHost: n1\r\nContent-Type:  application/json \r\n"
		                         "Content-Length: 7\r\n\r\n{\"v\":1}";
		HttpHead head;
		const std::size_t length = request().parse(wire, head);
		CPPUNIT_ASSERT_EQUAL(wire.size() - 7, length);
		CPPUNIT_ASSERT_EQUAL(std::string("PUT"), head.method);
		CPPUNIT_ASSERT_EQUAL(std::string("/kv/a?x=1"), head.target);
		CPPUNIT_ASSERT_EQUAL(1, head.minorVersion);
		CPPUNIT_ASSERT(head.body == HttpHead::Body::Length);
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(7), head.contentLength);
		CPPUNIT_ASSERT_EQUAL(std::string("application/json"), *head.find("content-type"));
		CPPUNIT_ASSERT(head.find("X-Missing") == nullptr);
		CPPUNIT_ASSERT(head.keepAlive);

		HttpHead get;
		CPPUNIT_ASSERT(request().parse("\r\nGET / HTTP/1.1\r\nHost: n1\r\n\r\n", get) > 0); // a stray CRLF before it
		CPPUNIT_ASSERT(get.body == HttpHead::Body::None);
	}

	void testAHeadArrivingByteByByteIsReadOnceWhole()
	{
		const std::string wire = "GET /health HTTP/1.1\r\nHost: n1\r\nAccept: */*\r\n\r\n";
		HttpHeadParser parser = request();
		HttpHead head;
		for (std::size_t n = 1; n < wire.size(); ++n)
			CPPUNIT_ASSERT_EQUAL(std::size_t(0), parser.parse(std::string_view(wire).substr(0, n), head));
		CPPUNIT_ASSERT_EQUAL(wire.size(), parser.parse(wire, head));
		CPPUNIT_ASSERT_EQUAL(std::string("/health"), head.target);
	}

	void testKeepAliveFollowsTheVersionAndConnection()
	{
		CPPUNIT_ASSERT(!parsed("GET / HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n").keepAlive);
		CPPUNIT_ASSERT(!parsed("GET / HTTP/1.0\r\n\r\n").keepAlive); // no Host needed either
		CPPUNIT_ASSERT(parsed("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keepAlive);
		CPPUNIT_ASSERT(parsed("GET / HTTP/1.1\r\nHost: a\r\nConnection: TE, keep-alive\r\n\r\n").keepAlive);
	}

	void testChunkedRequestsAndExpectContinue()
	{
		const HttpHead head = parsed("POST /files HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\nExpect: 100-continue\r\n\r\n");
		CPPUNIT_ASSERT(head.body == HttpHead::Body::Chunked);
		CPPUNIT_ASSERT(head.expectContinue);
		CPPUNIT_ASSERT(!parsed("POST / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n").expectContinue);
	}

	void testAmbiguousFramingIsRefused()
	{
		// The smuggling shapes: two lengths, a length beside a coding.
		assertRefused(400, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 35\r\n\r\n");
		assertRefused(400, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n");
		assertRefused(400, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n");
		assertRefused(400, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n");
		assertRefused(400, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n");
		assertRefused(400, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n");
		assertRefused(400, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n");
		assertRefused(501, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n");
		assertRefused(400, "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n");
		// Even the same length twice: a proxy in front may not have merged them.
		assertRefused(400, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n");
		assertRefused(400, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n");
		assertRefused(400, "GET / HTTP/1.1\r\n\r\n");                       // no Host
		assertRefused(400, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"); // two
	}

	void testMalformedLinesAreRefused()
	{
		assertRefused(400, "GET / HTTP/1.1\nHost: a\r\n\r\n");                 // bare LF
		assertRefused(400, "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\n\r\n");       // bare LF in a field
		assertRefused(400, "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n"); // obs-fold
		assertRefused(400, "GET / HTTP/1.1\r\nHost : a\r\n\r\n");              // space before the colon
		assertRefused(400, "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\0c\r\n\r\n"s); // NUL
		assertRefused(400, "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n");  // bare CR
		assertRefused(400, "GET / HTTP/1.1\r\nHost: a\r\nno colon\r\n\r\n");
		assertRefused(400, "GET  / HTTP/1.1\r\nHost: a\r\n\r\n");
		assertRefused(400, "GET / HTTP/1.1 \r\nHost: a\r\n\r\n");
		assertRefused(400, "G(T / HTTP/1.1\r\nHost: a\r\n\r\n");
		assertRefused(400, "GET \x1b[31m HTTP/1.1\r\nHost: a\r\n\r\n"); // an escape in the target
		assertRefused(400, "GET kv HTTP/1.1\r\nHost: a\r\n\r\n");
		assertRefused(400, "GET / HTTP/1.1x\r\nHost: a\r\n\r\n");
		assertRefused(400, "GET / http/1.1\r\nHost: a\r\n\r\n");
		// What a body holds is the body's: bare LFs after the head are fine.
		CPPUNIT_ASSERT(request().parse("PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\na\nb", *std::make_unique<HttpHead>()) > 0);
	}

	void testVersionsOtherThanOneZeroAndOneOneGet505()
	{
		assertRefused(505, "GET / HTTP/9.9\r\nHost: a\r\n\r\n");
		assertRefused(505, "GET / HTTP/2.0\r\nHost: a\r\n\r\n");
		assertRefused(505, "GET / HTTP/1.2\r\nHost: a\r\n\r\n");
	}

	void testOversizedHeadsGet431AndLongTargets414()
	{
		HttpHeadParser::Limits limits;
		limits.maxHeadBytes = 256;
		limits.maxTargetBytes = 64;
		limits.maxFields = 3;
		assertRefused(414, "GET /" + std::string(100, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n", limits);
		assertRefused(414, "GET /" + std::string(200, 'a'), limits); // known long before the line ends
		assertRefused(431, "GET / HTTP/1.1\r\nHost: a\r\nX-A: " + std::string(300, 'b'), limits);
		assertRefused(431, "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits);
	}

	void testResponsesAndTheirBodies()
	{
		HttpHeadParser parser(HttpHeadParser::Kind::Response, {});
		HttpHead head;
		CPPUNIT_ASSERT(parser.parse("HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}", head) > 0);
		CPPUNIT_ASSERT_EQUAL(404, head.status);
		CPPUNIT_ASSERT_EQUAL(std::string("Not Found"), head.reason);
		CPPUNIT_ASSERT(head.body == HttpHead::Body::Length);
		CPPUNIT_ASSERT(parser.parse("HTTP/1.1 204\r\n\r\n", head) > 0);
		CPPUNIT_ASSERT(head.body == HttpHead::Body::None);
		CPPUNIT_ASSERT(parser.parse("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", head, true) > 0);
		CPPUNIT_ASSERT(head.body == HttpHead::Body::None); // the answer to HEAD
		CPPUNIT_ASSERT(parser.parse("HTTP/1.0 200 OK\r\n\r\n", head) > 0);
		CPPUNIT_ASSERT(head.body == HttpHead::Body::UntilClose);
		CPPUNIT_ASSERT(!head.keepAlive);
		CPPUNIT_ASSERT_THROW(parser.parse("HTTP/1.1 2000 OK\r\n\r\n", head), MalformedHttp);
		CPPUNIT_ASSERT_THROW(parser.parse("ICY 200 OK\r\n\r\n", head), MalformedHttp);
	}

	void testChunkedBodiesDecodeAcrossReads()
	{
		const std::string wire = "5;name=value\r\nhello\r\nA \r\n, chunked!\r\n0\r\nX-Trailer: t\r\n\r\nGET /next";
		for (std::size_t step : {std::size_t(1), std::size_t(3), wire.size()})
		{
			ChunkedDecoder decoder;
			std::string body;
			std::size_t used = 0;
			while (!decoder.done() && used < wire.size())
				used += decoder.decode(std::string_view(wire).substr(used, std::min(step, wire.size() - used)), body);
			CPPUNIT_ASSERT(decoder.done());
			CPPUNIT_ASSERT_EQUAL(std::string("hello, chunked!"), body);
			CPPUNIT_ASSERT_EQUAL(std::string("GET /next"), wire.substr(used)); // the next request is left alone
			CPPUNIT_ASSERT_EQUAL(std::uint64_t(15), decoder.decoded());
		}
	}

	void testMalformedChunksAreRefused()
	{
		for (const std::string& wire : std::vector<std::string>{"z\r\n", "5\nhello\r\n", "5\r\nhelloX\r\n",
		                                                        "ffffffffffffffff\r\n", "\r\n", "5 x\r\n", std::string(2000, '1')})
		{
			ChunkedDecoder decoder;
			std::string body;
			try
			{
				decoder.decode(wire, body);
				CPPUNIT_FAIL("accepted: " + wire.substr(0, 40));
			}
			catch (const MalformedHttp& exc)
			{
				CPPUNIT_ASSERT_EQUAL(400, exc.status());
			}
		}
	}

private:
	static HttpHeadParser request(HttpHeadParser::Limits limits = {})
	{
		return HttpHeadParser(HttpHeadParser::Kind::Request, limits);
	}

	static HttpHead parsed(const std::string& wire)
	{
		HttpHead head;
		CPPUNIT_ASSERT_EQUAL(wire.size(), request().parse(wire, head));
		return head;
	}

	static void assertRefused(int status, const std::string& wire, HttpHeadParser::Limits limits = {})
	{
		HttpHead head;
		try
		{
			request(limits).parse(wire, head);
			CPPUNIT_FAIL("accepted: " + wire.substr(0, 60));
		}
		catch (const MalformedHttp& exc)
		{
			CPPUNIT_ASSERT_EQUAL_MESSAGE(wire.substr(0, 60) + ": " + exc.what(), status, exc.status());
		}
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(HttpHeadTest);
