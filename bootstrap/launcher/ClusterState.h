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
/// `down` can stop a network whose `up` was interrupted; and each node's
/// command line (<dir>/<name>.command, arguments separated by NUL bytes),
/// so that `restart` starts it again exactly as `up` did.
class ClusterState
{
public:
	explicit ClusterState(std::string dir);

	std::string file() const;
	bool exists() const;
	std::vector<NodeRecord> read() const;
	void append(const NodeRecord& node) const;
	/// Replaces the whole record (after a restart changed pids).
	void rewrite(const std::vector<NodeRecord>& nodes) const;
	/// Removes the record and every command file.
	void remove() const;

	void saveCommand(const std::string& name, const std::vector<std::string>& command) const;
	/// Empty when none was saved (a network started by an older p2p-cluster).
	std::vector<std::string> command(const std::string& name) const;

private:
	std::string commandFile(const std::string& name) const;

	std::string _dir;
};

} // namespace p2p::cluster

#endif
