#ifndef P2P_Cluster_ClusterState_INCLUDED
#define P2P_Cluster_ClusterState_INCLUDED

#include <Poco/Types.h>
#include <string>
#include <vector>

namespace p2p::cluster {

/// One node the launcher started.
struct NodeRecord
{
	std::string name; ///< "bootstrap", "node1", ...
	int pid = 0;
	Poco::UInt16 port = 0;
	std::string url;
	std::string log;
};

/// The launcher's record of a running network: <dir>/cluster.state, one line
/// per node ("name pid port url log"), written as nodes start so that
/// `down` can stop a network whose `up` was interrupted.
class ClusterState
{
public:
	explicit ClusterState(std::string dir);

	std::string file() const;
	bool exists() const;
	std::vector<NodeRecord> read() const;
	void append(const NodeRecord& node) const;
	void remove() const;

private:
	std::string _dir;
};

} // namespace p2p::cluster

#endif
