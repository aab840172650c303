#ifndef P2P_PeerSecurity_INCLUDED
#define P2P_PeerSecurity_INCLUDED

#include "RequestSigner.h"
#include <Poco/Mutex.h>
#include <Poco/Net/Context.h>
#include <functional>
#include <memory>
#include <string>

namespace p2p {

/// How this node proves itself to other nodes and checks who they are:
/// the cluster.secret signer (null: requests go unsigned) and the TLS client
/// settings for peers whose URL is https (https.ca_file,
/// https.verify_peers). Shared by every PeerClient of the node.
class PeerSecurity
{
public:
	/// Forward-secret, authenticated suites only, for both ends.
	static constexpr const char* kCipherList = "HIGH:!aNULL:!eNULL:!MD5:!RC4:!3DES:!SHA1@STRENGTH";

	/// TLS 1.2 and later only, for both ends.
	static void refuseOldProtocols(Poco::Net::Context& context);

	/// beforeTls: called before the first TLS context is made (it sets
	/// OpenSSL up; nodes that never speak https never pay for that).
	PeerSecurity(std::shared_ptr<const RequestSigner> signer, std::string caFile, bool verifyPeers,
	             std::function<void()> beforeTls = {});

	const RequestSigner* signer() const { return _signer.get(); }

	/// The TLS context for https peers, made on first use: loading the
	/// system's CA store costs time and memory that nodes which never
	/// speak https should not pay. Throws BadGatewayException when the
	/// CA file is unusable.
	Poco::Net::Context::Ptr tlsContext() const;

private:
	std::shared_ptr<const RequestSigner> _signer;
	std::string _caFile;
	bool _verifyPeers;
	std::function<void()> _beforeTls;
	mutable Poco::FastMutex _mutex;
	mutable Poco::Net::Context::Ptr _context;
};

} // namespace p2p

#endif
