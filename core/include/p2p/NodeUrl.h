#ifndef P2P_NodeUrl_INCLUDED
#define P2P_NodeUrl_INCLUDED

#include "p2p/Export.h"

#include <string>

namespace p2p {

/// Whether url can name a node: http:// or https://, a host, an explicit
/// port, and nothing after it but an optional "/" (no user, path, query or
/// fragment). The one rule for node.advertise and for registrations.
P2P_API bool isNodeUrl(const std::string& url);

} // namespace p2p

#endif
