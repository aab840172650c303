#include "support/NodeConfiguration.h"
#include "p2p/Errors.h"
#include <Poco/Exception.h>
#include <Poco/String.h>
#include <Poco/Util/PropertyFileConfiguration.h>

extern char** environ;

namespace p2p {

std::pair<std::string, std::string> NodeConfiguration::parseDefine(const std::string& argument)
{
	const auto eq = argument.find('=');
	const std::string key = Poco::trim(argument.substr(0, eq));
	if (eq == std::string::npos || key.empty())
		throw Poco::InvalidArgumentException("--define expects key=value, not '" + argument + "'");
	return {key, argument.substr(eq + 1)};
}

Poco::AutoPtr<Poco::Util::MapConfiguration> NodeConfiguration::fromEnvironment(const std::map<std::string, std::string>& env)
{
	static const std::string prefix = "P2P_";
	Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
	for (const auto& [name, value] : env)
	{
		if (name.compare(0, prefix.size(), prefix) != 0) continue;
		std::string key = Poco::toLower(name.substr(prefix.size()));
		const auto sep = key.find('_');
		if (sep == std::string::npos || sep == 0 || sep + 1 == key.size()) continue;
		key[sep] = '.';
		config->setString(key, value);
	}
	return config;
}

std::map<std::string, std::string> NodeConfiguration::processEnvironment()
{
	std::map<std::string, std::string> env;
	for (char** entry = environ; entry && *entry; ++entry)
	{
		const std::string text(*entry);
		const auto eq = text.find('=');
		if (eq != std::string::npos) env.emplace(text.substr(0, eq), text.substr(eq + 1));
	}
	return env;
}

Poco::AutoPtr<Poco::Util::MapConfiguration> NodeConfiguration::defaults()
{
	Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
	config->setString("application.logger", "node");
	config->setString("logging.loggers.root.channel", "console");
	config->setString("logging.loggers.root.level", "information");
	config->setString("logging.channels.console.class", "ConsoleChannel");
	config->setString("logging.channels.console.formatter", "plain");
	config->setString("logging.formatters.plain.class", "PatternFormatter");
	config->setString("logging.formatters.plain.pattern", "%Y-%m-%d %H:%M:%S.%i %p %s: %t");
	return config;
}

void NodeConfiguration::layer(Poco::Util::LayeredConfiguration& config, const std::string& file,
                              const std::map<std::string, std::string>& env)
{
	if (!file.empty())
	{
		try
		{
			config.add(new Poco::Util::PropertyFileConfiguration(file), kFilePriority, false);
		}
		catch (const Poco::Exception& exc)
		{
			throw StartupException("cannot read config file " + file + ": " + exc.displayText());
		}
	}
	config.add(fromEnvironment(env), kEnvironmentPriority, false);
	config.add(defaults(), kDefaultsPriority, false);
}

} // namespace p2p
