#ifndef P2P_PeerSecurity_INCLUDED
#define P2P_PeerSecurity_INCLUDED

#include "p2p/Export.h"

#include "security/PeerStamps.h"
#include "security/RequestSigner.h"
#include "security/TlsSupport.h"
#include <functional>
#include <memory>
#include <string>

namespace p2p {

/// How this node proves itself to other nodes and checks who they are:
/// the cluster.secret signer (null: requests go unsigned) and TLS for
/// peers whose URL is https (https.ca_file, https.verify_peers, in the
/// node's TlsSupport). Shared by every PeerClient of the node.
class P2P_API PeerSecurity
{
public:
	/// tls: the node's TLS, loaded on the first https peer (null: https
	/// peers cannot be reached).
	PeerSecurity(std::shared_ptr<const RequestSigner> signer, std::function<TlsSupport&()> tls = {});

	const RequestSigner* signer() const { return _signer.get(); }
	/// Whom each request is for, and its nonce; the node keeps it current
	/// from its membership.
	PeerStamps& stamps() const { return *_stamps; }

	/// The headers that sign a request to host:port (signer() must be set).
	RequestSigner::Headers sign(const std::string& method, const std::string& target, const std::string& bodyHash,
	                            const std::string& host, Poco::UInt16 port) const;

	/// A session to an https peer. Throws BadGatewayException when there
	/// is no TLS, or its settings cannot be used.
	std::unique_ptr<Poco::Net::HTTPClientSession> tlsSession(const std::string& host, Poco::UInt16 port) const;

private:
	std::shared_ptr<const RequestSigner> _signer;
	std::function<TlsSupport&()> _tls;
	std::shared_ptr<PeerStamps> _stamps = std::make_shared<PeerStamps>();
};

} // namespace p2p

#endif
