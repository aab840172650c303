#include "routing/RouteTable.h"
#include <Poco/Exception.h>
#include <cppunit/extensions/HelperMacros.h>

using p2p::RouteMatch;
using p2p::RouteTable;

class RouteTableTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(RouteTableTest);
	CPPUNIT_TEST(testLiteralRouteMatches);
	CPPUNIT_TEST(testParametersAreDecodedPerSegment);
	CPPUNIT_TEST(testLiteralBeatsParameter);
	CPPUNIT_TEST(testUnknownPathIsNoSuchPath);
	CPPUNIT_TEST(testWrongMethodListsAllowedMethods);
	CPPUNIT_TEST(testHeadIsServedByGet);
	CPPUNIT_TEST(testEmptySegmentDoesNotMatchParameter);
	CPPUNIT_TEST(testRootPath);
	CPPUNIT_TEST(testMalformedEscapeThrows);
	CPPUNIT_TEST(testBadPatternsAreRefused);
	CPPUNIT_TEST(testDuplicateRouteIsRefused);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override { _table = std::make_unique<RouteTable>(); }

	void testLiteralRouteMatches()
	{
		add("POST", "/message");
		RouteMatch m = _table->match("POST", "/message");
		CPPUNIT_ASSERT(m.outcome == RouteMatch::Outcome::Found);
		CPPUNIT_ASSERT_EQUAL(std::string("/message"), m.route->pattern);
		CPPUNIT_ASSERT(m.params.empty());
	}

	void testParametersAreDecodedPerSegment()
	{
		add("GET", "/kv/{key}");
		RouteMatch m = _table->match("GET", "/kv/a%2Fb%20c+d");
		CPPUNIT_ASSERT(m.outcome == RouteMatch::Outcome::Found);
		// %2F stays inside the segment; '+' is a plus in a path, not a space.
		CPPUNIT_ASSERT_EQUAL(std::string("a/b c+d"), m.params["key"]);
		CPPUNIT_ASSERT(_table->match("GET", "/kv/a/b").outcome == RouteMatch::Outcome::NoSuchPath);
	}

	void testLiteralBeatsParameter()
	{
		add("GET", "/kv/{key}");
		add("GET", "/kv/stats");
		CPPUNIT_ASSERT_EQUAL(std::string("/kv/stats"), _table->match("GET", "/kv/stats").route->pattern);
		CPPUNIT_ASSERT_EQUAL(std::string("/kv/{key}"), _table->match("GET", "/kv/other").route->pattern);
	}

	void testUnknownPathIsNoSuchPath()
	{
		add("GET", "/health");
		CPPUNIT_ASSERT(_table->match("GET", "/nosuch").outcome == RouteMatch::Outcome::NoSuchPath);
		CPPUNIT_ASSERT(_table->match("GET", "/health/x").outcome == RouteMatch::Outcome::NoSuchPath);
	}

	void testWrongMethodListsAllowedMethods()
	{
		add("GET", "/kv/{key}");
		add("PUT", "/kv/{key}");
		add("DELETE", "/kv/{key}");
		RouteMatch m = _table->match("POST", "/kv/x");
		CPPUNIT_ASSERT(m.outcome == RouteMatch::Outcome::MethodNotAllowed);
		const std::vector<std::string> expected{"DELETE", "GET", "HEAD", "PUT"};
		CPPUNIT_ASSERT(expected == m.allowed);
	}

	void testHeadIsServedByGet()
	{
		add("GET", "/download/{name}");
		RouteMatch m = _table->match("HEAD", "/download/a.txt");
		CPPUNIT_ASSERT(m.outcome == RouteMatch::Outcome::Found);
		CPPUNIT_ASSERT_EQUAL(std::string("GET"), m.route->method);
		CPPUNIT_ASSERT_EQUAL(std::string("a.txt"), m.params["name"]);
	}

	void testEmptySegmentDoesNotMatchParameter()
	{
		add("GET", "/kv/{key}");
		CPPUNIT_ASSERT(_table->match("GET", "/kv/").outcome == RouteMatch::Outcome::NoSuchPath);
	}

	void testRootPath()
	{
		add("GET", "/");
		CPPUNIT_ASSERT(_table->match("GET", "/").outcome == RouteMatch::Outcome::Found);
		CPPUNIT_ASSERT(_table->match("GET", "/x").outcome == RouteMatch::Outcome::NoSuchPath);
	}

	void testMalformedEscapeThrows()
	{
		add("GET", "/kv/{key}");
		CPPUNIT_ASSERT_THROW(_table->match("GET", "/kv/%zz"), Poco::SyntaxException);
	}

	void testBadPatternsAreRefused()
	{
		CPPUNIT_ASSERT_THROW(add("GET", "kv"), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_THROW(add("GET", "/kv//x"), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_THROW(add("GET", "/kv/{}"), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_THROW(add("GET", "/kv/{key"), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_THROW(add("get", "/kv"), Poco::InvalidArgumentException);
	}

	void testDuplicateRouteIsRefused()
	{
		add("GET", "/kv/{key}");
		CPPUNIT_ASSERT_THROW(add("GET", "/kv/{key}"), Poco::ExistsException);
		add("PUT", "/kv/{key}"); // another method on the same path is fine
	}

private:
	void add(const std::string& method, const std::string& pattern)
	{
		_table->add(method, pattern, [](p2p::Request&, p2p::Response&) {}, {});
	}

	std::unique_ptr<RouteTable> _table;
};

CPPUNIT_TEST_SUITE_REGISTRATION(RouteTableTest);
