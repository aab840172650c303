#include "ContentTypes.h"
#include "FileName.h"
#include "p2p/Errors.h"
#include <cppunit/extensions/HelperMacros.h>

using p2p::filestore::FileName;

class FileNameTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(FileNameTest);
	CPPUNIT_TEST(testOrdinaryNamesPass);
	CPPUNIT_TEST(testHostileNamesAreRefused);
	CPPUNIT_TEST(testContentTypeFollowsTheExtension);
	CPPUNIT_TEST_SUITE_END();

public:
	void testOrdinaryNamesPass()
	{
		for (const std::string& name : std::vector<std::string>{"mydoc.txt", ".hidden", "report v2 (final).pdf", "caf\xc3\xa9.md", "a.b.c",
		                               "%2e%2e", "%2E%2e%2F", std::string(255, 'x')}) // encoded forms stay literal names
			FileName::validate(name);
	}

	void testHostileNamesAreRefused()
	{
		const std::string hostile[] = {
			"", ".", "..", "...", "../etc/passwd", "a/b", "/etc/passwd", "..\\windows", "a\\b", "x..y",
			std::string("nul\0byte", 8), "line\nbreak", "tab\there", "del\x7f", "bell\x07", "bad \xff utf8",
			"cut \xc3", std::string(256, 'x'),
		};
		for (const auto& name : hostile)
			CPPUNIT_ASSERT_THROW_MESSAGE("'" + name + "'", FileName::validate(name), p2p::BadRequestException);
	}

	void testContentTypeFollowsTheExtension()
	{
		using p2p::filestore::ContentTypes;
		CPPUNIT_ASSERT_EQUAL(std::string("text/plain; charset=utf-8"), ContentTypes::forName("mydoc.txt"));
		CPPUNIT_ASSERT_EQUAL(std::string("image/png"), ContentTypes::forName("A.PNG"));
		CPPUNIT_ASSERT_EQUAL(std::string("application/octet-stream"), ContentTypes::forName("archive.unknown"));
		CPPUNIT_ASSERT_EQUAL(std::string("application/octet-stream"), ContentTypes::forName("noextension"));
		CPPUNIT_ASSERT_EQUAL(std::string("application/octet-stream"), ContentTypes::forName("trailing."));
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(FileNameTest);
