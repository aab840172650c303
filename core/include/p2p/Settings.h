#ifndef P2P_Settings_INCLUDED
#define P2P_Settings_INCLUDED

#include "p2p/Export.h"

#include <Poco/Util/AbstractConfiguration.h>
#include <string>

/// Reading typed settings with errors an operator can act on: a bad value
/// throws StartupException("property messaging.inbox_size must be between 1
/// and 1000000, not 0"), naming the full property even when config is a
/// plugin's view, whose keys have the section removed.
namespace p2p::settings {

/// section: the prefix to show in messages ("messaging" for a plugin's view,
/// empty for the node's whole configuration).
P2P_API int getInt(const Poco::Util::AbstractConfiguration& config, const std::string& section, const std::string& key,
           int defaultValue, int min, int max);

P2P_API bool getBool(const Poco::Util::AbstractConfiguration& config, const std::string& section, const std::string& key,
             bool defaultValue);

} // namespace p2p::settings

#endif
