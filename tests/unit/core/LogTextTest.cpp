#include "p2p/LogText.h"
#include <cppunit/extensions/HelperMacros.h>

/// What the network sends cannot forge log lines or reach a terminal.
class LogTextTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(LogTextTest);
	CPPUNIT_TEST(testPlainTextIsUnchanged);
	CPPUNIT_TEST(testControlCharactersAreSpelledOut);
	CPPUNIT_TEST_SUITE_END();

public:
	void testPlainTextIsUnchanged()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("GET /kv/caf\xc3\xa9 HTTP/1.1"), p2p::printable("GET /kv/caf\xc3\xa9 HTTP/1.1"));
	}

	void testControlCharactersAreSpelledOut()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("a\\nb\\r\\tc"), p2p::printable("a\nb\r\tc"));
		CPPUNIT_ASSERT_EQUAL(std::string("\\x1b]0;pwned\\x07"), p2p::printable("\x1b]0;pwned\x07")); // OSC: set the title
		CPPUNIT_ASSERT_EQUAL(std::string("\\xc2\\x9b31m"), p2p::printable("\xc2\x9b" "31m"));   // CSI as one UTF-8 character
		CPPUNIT_ASSERT_EQUAL(std::string("\\x7f\\x00"), p2p::printable(std::string("\x7f\0", 2)));
		CPPUNIT_ASSERT_EQUAL(std::string("\\\\x1b"), p2p::printable("\\x1b")); // a faked escape stays visibly fake
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(LogTextTest);
