#ifndef P2P_Cluster_NodeSpawner_INCLUDED
#define P2P_Cluster_NodeSpawner_INCLUDED

#include <string>
#include <vector>

namespace p2p::cluster {

/// Starting and stopping node processes that outlive the launcher.
class NodeSpawner
{
public:
	/// Starts binary with args in a session of its own (so a Ctrl-C at the
	/// launcher's terminal does not reach the nodes), stdout and stderr
	/// appended to logFile. Returns the pid; throws SystemException.
	static int spawn(const std::string& binary, const std::vector<std::string>& args, const std::string& logFile);

	/// Whether pid is a running (not zombie) p2p-node process: a recorded
	/// pid that now belongs to another program is never signalled.
	static bool isNode(int pid);

	/// Reaps pid if it is our child and has exited; no-op otherwise.
	static void reap(int pid);

	/// For a child this process spawned: whether it has exited (and reaps
	/// it). Unlike isNode(), right after spawn() it is not fooled by the
	/// moment between fork and exec.
	static bool childExited(int pid);

	/// Whether a node could listen on 127.0.0.1:port (a bind test).
	static bool portFree(unsigned short port);
};

} // namespace p2p::cluster

#endif
