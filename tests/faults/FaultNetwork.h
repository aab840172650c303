#ifndef P2P_Faults_FaultNetwork_INCLUDED
#define P2P_Faults_FaultNetwork_INCLUDED

#include "TestSupport.h"
#include <Poco/Mutex.h>
#include <Poco/Process.h>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace p2p::faults {

/// A real network in Linux network namespaces (p2p-cluster up --netns: a
/// bootstrap node and `nodes` nodes, each with its own address on the
/// bridge p2p_network) and the faults operators meet, made by the tools
/// they would use: nft rules inside the namespaces for partitions,
/// SIGSTOP/SIGCONT for pauses, SIGKILL and p2p-cluster restart for crashes.
/// Every fault it made is undone by the destructor, which also takes the
/// network down, whatever the test did in between. Node 0 is the bootstrap
/// node; nodes 1..size() the others. Traffic goes only to the namespaces'
/// own addresses.
class FaultNetwork
{
public:
	struct Options
	{
		int nodes = 10;
		std::vector<std::string> defines; ///< key=value for every node
		int timeoutSeconds = 90;          ///< for p2p-cluster up
	};

	explicit FaultNetwork(Options options);
	~FaultNetwork();
	FaultNetwork(const FaultNetwork&) = delete;
	FaultNetwork& operator=(const FaultNetwork&) = delete;

	int size() const { return _options.nodes; }
	static std::string name(int k);    ///< "bootstrap", "node1", ...
	static std::string address(int k); ///< 10.213.0.(k + 1)
	static constexpr Poco::UInt16 kPort = 5000;
	/// The node's pid as p2p-cluster recorded it (read again after restarts).
	int pid(int k) const;
	const std::string& dir() const { return _dir.path(); }

	/// One exchange with node k from the host, on a fresh connection,
	/// within timeout; status 0 when it did not answer.
	test::HttpResult http(int k, const std::string& method, const std::string& path, const std::string& body = "",
	                      Poco::Timespan timeout = Poco::Timespan(5, 0)) const;

	/// Cuts every link between a node of `a` and a node of `b`, both ways
	/// (nft drops in each namespace; the bootstrap node may be in either).
	void partition(const std::vector<int>& a, const std::vector<int>& b);
	/// Removes every rule partition() added.
	void heal();

	/// Delays every packet node k sends to another node by minMs..maxMs
	/// (uniformly, each on its own) and drops `loss` of them: an iptables
	/// NFQUEUE rule in its namespace and a p2p-netem there to hold them.
	/// Both directions of a link are slowed when both ends are degraded.
	void degrade(int k, int minMs, int maxMs, double loss);
	/// Removes every degrade(): rules first, then their p2p-netem.
	void restore();

	/// Gives node k a disk of `bytes`: stops it, mounts a tmpfs of that
	/// size over its data directory and starts it again (empty: its copies
	/// come back by rebalancing). Unmounted when the network goes.
	void smallDisk(int k, std::size_t bytes);
	/// Makes node k's small disk `bytes` large (space returns).
	void growDisk(int k, std::size_t bytes);
	/// Bytes free on node k's small disk.
	std::size_t diskFree(int k) const;

	void pause(int k);  ///< SIGSTOP
	void resume(int k); ///< SIGCONT
	void kill(int k);   ///< SIGKILL
	/// SIGTERM, and waits until the node is gone (its files closed).
	void stop(int k);
	/// Node k's data directory.
	std::string dataDir(int k) const { return _dir.path() + name(k); }
	/// p2p-cluster restart [--node NAME] [--kill]; returns its output, throws when it fails.
	std::string restart(const std::string& node = "", bool kill = false);

	/// Ids node k holds in `state` ("alive", "suspect", "dead").
	std::set<std::string> seenBy(int k, const std::string& state) const;
	/// Whether every node in `nodes` holds every other of them alive.
	bool whole(const std::vector<int>& nodes) const;

	/// 1..size().
	std::vector<int> all() const;

private:
	void nft(int k, const std::string& script) const;

	Options _options;
	test::TempDir _dir;
	std::set<int> _filtered; ///< namespaces with our nft table
	std::set<int> _paused;
	std::map<int, Poco::ProcessHandle> _netems; ///< by degraded node
	std::set<int> _smallDisks;
};

} // namespace p2p::faults

#endif
