#ifndef P2P_PeerClientImpl_INCLUDED
#define P2P_PeerClientImpl_INCLUDED

#include "LatencyWindow.h"
#include "p2p/PeerClient.h"

#include <Poco/Mutex.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/URI.h>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace p2p {

class PeerSecurity;

/// What a PeerClient keeps out of the plugin API: its pool of keep-alive
/// sessions per peer, and the node's signing and TLS (PeerSecurity), which
/// only the core may hand to a client. Thread-safe: the pool is locked, the
/// rest is read-only after construction.
class PeerClient::Impl
{
public:
	using Session = std::unique_ptr<Poco::Net::HTTPClientSession>;

	Impl(Settings settings, std::shared_ptr<const PeerSecurity> security);

	/// The node's own client: it signs with, and speaks TLS as, `security`
	/// (null: unsigned, http only).
	static std::unique_ptr<PeerClient> secured(Settings settings, std::shared_ptr<const PeerSecurity> security);

	/// A pooled session to peer when one is idle (reused set), else a new one.
	Session acquire(const std::string& key, const Poco::URI& peer, bool& reused);
	/// Back to the pool, unless it already holds Settings::maxIdlePerPeer.
	void release(const std::string& key, Session session);
	/// A fresh session, over TLS when peer's scheme is https.
	Session connect(const Poco::URI& peer) const;
	/// Adds the signature headers, for host:port, when a cluster secret is set.
	void sign(Poco::Net::HTTPRequest& request, const std::string& bodyHash, const std::string& host,
	          Poco::UInt16 port) const;
	bool signs() const;
	std::size_t idleConnections() const;

	const Settings& settings() const { return _settings; }
	/// Names this client's connections on each event loop (EventLoop::local).
	std::uint64_t id() const { return _id; }
	const std::shared_ptr<const PeerSecurity>& security() const { return _security; }
	/// How long sendAsync()'s answers took lately (PeerClient::hedgeDelay()).
	LatencyWindow& latencies() { return _latencies; }

private:
	const Settings _settings;
	const std::shared_ptr<const PeerSecurity> _security;
	const std::uint64_t _id;
	mutable Poco::FastMutex _mutex;
	std::map<std::string, std::vector<Session>> _idle;
	LatencyWindow _latencies;
};

} // namespace p2p

#endif
