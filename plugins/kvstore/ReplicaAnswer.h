#ifndef P2P_KvStore_ReplicaAnswer_INCLUDED
#define P2P_KvStore_ReplicaAnswer_INCLUDED

#include "Replicas.h"
#include "p2p/PeerClient.h"
#include <string>

namespace p2p::kvstore {

/// Throws BadGatewayException, naming the node and its reason, unless the
/// owner's answer to `what` ("a replica write") is a 200: a replica that
/// answers with an error is as good as unreachable for a quorum.
void expectOk(const Owner& owner, const std::string& what, const PeerResponse& answer);

} // namespace p2p::kvstore

#endif
