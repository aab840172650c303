#ifndef P2P_FileStore_ContentTypes_INCLUDED
#define P2P_FileStore_ContentTypes_INCLUDED

#include <string>

namespace p2p::filestore {

/// The Content-Type of a download, from its name's extension (the common
/// ones; anything else is application/octet-stream, which browsers save).
class ContentTypes
{
public:
	static std::string forName(const std::string& name);
};

} // namespace p2p::filestore

#endif
