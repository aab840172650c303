#ifndef P2P_Cluster_SeedNetwork_INCLUDED
#define P2P_Cluster_SeedNetwork_INCLUDED

namespace p2p::cluster {

/// The plugins of the seed's node, which config/node.properties loads too:
/// every node of a network the launcher starts serves the seed's whole
/// contract unless told otherwise (--plugins, or a --config of its own).
inline constexpr const char* kSeedPlugins = "messaging,dht-router,kvstore,filestore,gossip";

} // namespace p2p::cluster

#endif
