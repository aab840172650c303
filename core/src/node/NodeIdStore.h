#ifndef P2P_NodeIdStore_INCLUDED
#define P2P_NodeIdStore_INCLUDED

#include <string>

namespace p2p {

/// Gives a node a stable id: node.id when configured, else a random UUID
/// created on first start and kept in <data dir>/node-id, so a restarted node
/// takes its old place on the ring.
class NodeIdStore
{
public:
	/// Throws StartupException for an invalid configured or stored id, or a
	/// data directory that cannot be written.
	static std::string resolve(const std::string& configuredId, const std::string& dataDir);

	/// 1..128 characters of [A-Za-z0-9._-].
	static bool isValid(const std::string& id);
};

} // namespace p2p

#endif
