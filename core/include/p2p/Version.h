#ifndef P2P_Version_INCLUDED
#define P2P_Version_INCLUDED

#include "p2p/Export.h"

/// The version of the plugin API in this header set. Bump it whenever a class
/// in core/include/p2p changes in a way that breaks binary compatibility
/// (a virtual added or removed, a member's layout changed): the plugin host
/// refuses plugins that were built against another value.
#define P2P_PLUGIN_API_VERSION 11

namespace p2p {

/// The version of libp2p-core and p2p-node, e.g. "0.1.0".
P2P_API const char* coreVersion();

/// The plugin API version the core was built with (P2P_PLUGIN_API_VERSION).
P2P_API int coreApiVersion();

} // namespace p2p

#endif
