#ifndef P2P_NodeConfiguration_INCLUDED
#define P2P_NodeConfiguration_INCLUDED

#include <Poco/Util/LayeredConfiguration.h>
#include <Poco/Util/MapConfiguration.h>
#include <map>
#include <string>
#include <utility>

namespace p2p {

/// How a node's settings are layered, highest precedence first:
///   1. -Dkey=value / --define on the command line
///   2. environment variables P2P_<SECTION>_<SETTING> (P2P_HTTP_PORT=5001
///      sets http.port; P2P_KVSTORE_WRITE_QUORUM sets kvstore.write_quorum)
///   3. the --config .properties file
///   4. built-in defaults (console logging)
class NodeConfiguration
{
public:
	static constexpr int kDefinePriority = -100;
	static constexpr int kEnvironmentPriority = -50;
	static constexpr int kFilePriority = 0;
	static constexpr int kDefaultsPriority = 50;

	/// Splits "key=value"; throws Poco::InvalidArgumentException when there
	/// is no '=' or no key.
	static std::pair<std::string, std::string> parseDefine(const std::string& argument);

	/// The P2P_* variables of env as properties; other variables are ignored.
	static Poco::AutoPtr<Poco::Util::MapConfiguration> fromEnvironment(const std::map<std::string, std::string>& env);

	/// This process's environment.
	static std::map<std::string, std::string> processEnvironment();

	/// Log lines to the console with time, level and source, at information.
	static Poco::AutoPtr<Poco::Util::MapConfiguration> defaults();

	/// Adds the file (throws StartupException when it cannot be read), the
	/// environment and the defaults to config. Defines are set by the caller
	/// at kDefinePriority.
	static void layer(Poco::Util::LayeredConfiguration& config, const std::string& file,
	                  const std::map<std::string, std::string>& env);
};

} // namespace p2p

#endif
