#include "p2p/Errors.h"
#include "p2p/Settings.h"
#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>
#include <cppunit/extensions/HelperMacros.h>

namespace settings = p2p::settings;

class SettingsTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(SettingsTest);
	CPPUNIT_TEST(testDefaultsAndValues);
	CPPUNIT_TEST(testErrorsNameTheFullProperty);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_config = new Poco::Util::MapConfiguration;
		_config->setString("inbox_size", "7");
		_config->setString("words", "lots");
		_config->setString("zero", "0");
		_config->setString("flag", "yes");
		_config->setString("maybe", "perhaps");
	}

	void testDefaultsAndValues()
	{
		CPPUNIT_ASSERT_EQUAL(7, settings::getInt(*_config, "messaging", "inbox_size", 100, 1, 10));
		CPPUNIT_ASSERT_EQUAL(100, settings::getInt(*_config, "messaging", "absent", 100, 1, 1000));
		CPPUNIT_ASSERT(settings::getBool(*_config, "", "flag", false));
		CPPUNIT_ASSERT(!settings::getBool(*_config, "", "absent", false));
	}

	void testErrorsNameTheFullProperty()
	{
		expect([&] { settings::getInt(*_config, "messaging", "words", 1, 1, 10); },
		       "property messaging.words must be a whole number, not 'lots'");
		expect([&] { settings::getInt(*_config, "messaging", "zero", 1, 1, 10); },
		       "property messaging.zero must be between 1 and 10, not 0");
		expect([&] { settings::getBool(*_config, "", "maybe", false); }, "property maybe must be true or false, not 'perhaps'");
	}

private:
	template <class F>
	static void expect(F f, const std::string& message)
	{
		try
		{
			f();
			CPPUNIT_FAIL("expected StartupException: " + message);
		}
		catch (const p2p::StartupException& exc)
		{
			CPPUNIT_ASSERT_EQUAL(message, exc.message());
		}
	}

	Poco::AutoPtr<Poco::Util::MapConfiguration> _config;
};

CPPUNIT_TEST_SUITE_REGISTRATION(SettingsTest);
