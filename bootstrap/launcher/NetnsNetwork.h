#ifndef P2P_Cluster_NetnsNetwork_INCLUDED
#define P2P_Cluster_NetnsNetwork_INCLUDED

#include <string>
#include <vector>

namespace p2p::cluster {

/// The seed's Docker network without Docker: one Linux network namespace
/// per node ("p2p-<name>"), each with an eth0 veth on the bridge
/// "p2p_network" and an address in 10.213.0.0/16, and a hosts file
/// (/etc/netns/p2p-<name>/hosts, which `ip netns exec` mounts over
/// /etc/hosts) naming every node, so http://node7:5000 works inside any of
/// them. The bridge has 10.213.255.254, which makes every node reachable
/// from the host. Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN).
///
/// Everything it creates carries the p2p- prefix or the bridge name, and
/// destroy() removes all of that, also what an earlier crashed run left.
class NetnsNetwork
{
public:
	static constexpr const char* kBridge = "p2p_network";
	static constexpr const char* kBridgeAddress = "10.213.255.254";

	/// The namespace of a node: "p2p-node7".
	static std::string namespaceOf(const std::string& node);
	/// The address of the index-th node (0 is the bootstrap node).
	static std::string addressOf(int index);

	/// Whether a network (the bridge) exists already.
	static bool exists();

	/// Creates the bridge, and for each name a namespace, veth and hosts
	/// file. names[0] is the bootstrap node; its hosts entry also answers to
	/// "bootstrap". Throws Poco::SystemException naming the failing command.
	static void create(const std::vector<std::string>& names);

	/// The command line that runs program inside the node's namespace.
	static std::vector<std::string> wrap(const std::string& node, const std::string& program,
	                                     const std::vector<std::string>& args);

	/// Removes every p2p- namespace, their hosts files and the bridge.
	/// Returns a description of what could not be removed (empty: all gone).
	static std::vector<std::string> destroy();

	/// Whether this process may create namespaces and bridges (tries it).
	static bool available(std::string& why);
};

} // namespace p2p::cluster

#endif
