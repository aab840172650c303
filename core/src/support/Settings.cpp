#include "p2p/Settings.h"
#include "p2p/Errors.h"
#include <Poco/Format.h>

namespace p2p::settings {

namespace {

std::string fullName(const std::string& section, const std::string& key)
{
	return section.empty() ? key : section + "." + key;
}

} // namespace

int getInt(const Poco::Util::AbstractConfiguration& config, const std::string& section, const std::string& key,
           int defaultValue, int min, int max)
{
	int value;
	try
	{
		value = config.getInt(key, defaultValue);
	}
	catch (const Poco::SyntaxException&)
	{
		throw StartupException("property " + fullName(section, key) + " must be a whole number, not '" +
		                       config.getString(key) + "'");
	}
	if (value < min || value > max)
		throw StartupException(Poco::format("property %s must be between %d and %d, not %d", fullName(section, key), min, max, value));
	return value;
}

bool getBool(const Poco::Util::AbstractConfiguration& config, const std::string& section, const std::string& key,
             bool defaultValue)
{
	try
	{
		return config.getBool(key, defaultValue);
	}
	catch (const Poco::SyntaxException&)
	{
		throw StartupException("property " + fullName(section, key) + " must be true or false, not '" +
		                       config.getString(key) + "'");
	}
}

} // namespace p2p::settings
