#ifndef P2P_Cluster_ComposeFile_INCLUDED
#define P2P_Cluster_ComposeFile_INCLUDED

#include "SeedNetwork.h"
#include <string>

namespace p2p::cluster {

/// A Docker Compose file for the seed's network: a bootstrap node and nodes
/// 1..N on the network p2p_network, node K published on host port base+K
/// (the bootstrap node on base), every node listening on 5000 inside its
/// container and reachable as http://nodeK:5000. Settings reach the nodes as
/// P2P_<SECTION>_<SETTING> environment variables. Generated, so that 100
/// services are never written by hand: `p2p-cluster compose --nodes 100`.
class ComposeFile
{
public:
	struct Options
	{
		int nodes = 100;
		int basePort = 5000;
		std::string plugins = kSeedPlugins;
		std::string image = "p2p-node:latest";
	};

	static std::string render(const Options& options);
};

} // namespace p2p::cluster

#endif
