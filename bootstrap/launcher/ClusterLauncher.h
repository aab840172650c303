#ifndef P2P_Cluster_ClusterLauncher_INCLUDED
#define P2P_Cluster_ClusterLauncher_INCLUDED

#include "ClusterState.h"
#include "SeedNetwork.h"
#include "p2p/PeerClient.h"
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace p2p::cluster {

/// What `p2p-cluster up` starts and how long it waits.
struct UpOptions
{
	int nodes = 100;
	int basePort = 5000;
	std::string dir = "cluster";
	/// plugins.load of every node; empty: the --config file's, or without
	/// one the seed's (kSeedPlugins).
	std::string plugins;
	std::string config;               ///< --config passed to every node, if set
	std::vector<std::string> defines; ///< key=value passed to every node
	int timeoutSeconds = 60;
	/// Each node in its own network namespace on the p2p_network bridge,
	/// all on the base port, reachable as http://nodeK:<port>.
	bool netns = false;
};

/// Brings a local network up and down: a bootstrap node on the base port
/// and nodes 1..N above it, all on 127.0.0.1, each with its own data
/// directory and log under the cluster directory. The nodes outlive the
/// launcher; the state file says which processes to stop.
class ClusterLauncher
{
public:
	/// binDir: where p2p-node is (beside p2p-cluster).
	ClusterLauncher(std::string binDir, std::ostream& out, std::ostream& err);

	/// Returns the process exit status: 0 once every node is registered and
	/// knows every other, 1 on timeout or a node that died, 2 when nothing
	/// was started (ports taken, a network already up in dir).
	int up(const UpOptions& options);
	int status(const std::string& dir);

	/// The marker that says a directory's network runs in namespaces.
	static std::string netnsMarker(const std::string& dir);
	/// SIGTERM, then SIGKILL after graceSeconds; 0 when nothing is left.
	/// netns: also remove every p2p- namespace and the bridge, whether or
	/// not this directory's network used them (cleaning up after a crash).
	int down(const std::string& dir, int graceSeconds, bool netns);
	/// Stops the named node (empty: every node, the bootstrap node too) with
	/// SIGTERM, or SIGKILL when `kill`, all before any starts again; starts
	/// each with the command line `up` gave it (its data directory, so it
	/// comes back with its keys and files), and waits until each answers.
	/// 0 when all answer within timeoutSeconds.
	int restart(const std::string& dir, const std::string& node, int graceSeconds, bool kill, int timeoutSeconds);

private:
	/// Peers a node reports in /status, or -1 when it does not answer.
	int peersOf(const NodeRecord& node);
	int registeredAt(const NodeRecord& bootstrap);
	void progress(int registered, int discovered, int total, bool final);
	/// ask(0) .. ask(count - 1) on kParallelRequests threads; their answers in order.
	static std::vector<int> inParallel(std::size_t count, const std::function<int(std::size_t)>& ask);

	/// Raises the descriptor limit the nodes inherit; says so when it cannot.
	void raiseDescriptorLimit(int nodes);

	static constexpr std::size_t kParallelRequests = 16;

	std::string _binDir;
	std::ostream& _out;
	std::ostream& _err;
	PeerClient _client;
	/// Authorization for the polls, when the nodes are started with
	/// http.auth.token (a --define); `status` has no --define to read it from.
	PeerClient::Headers _credentials;
	bool _terminal;
};

} // namespace p2p::cluster

#endif
