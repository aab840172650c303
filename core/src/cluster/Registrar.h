#ifndef P2P_Registrar_INCLUDED
#define P2P_Registrar_INCLUDED

#include "cluster/Backoff.h"
#include "p2p/Membership.h"
#include "p2p/PeerClient.h"
#include <Poco/Event.h>
#include <Poco/Logger.h>
#include <Poco/Thread.h>
#include <atomic>
#include <set>
#include <string>
#include <vector>

namespace p2p {

/// Keeps this node registered with the bootstrap node(s) and the membership
/// view filled from their peer lists.
///
/// One background thread: register (POST /register), then fetch the peer
/// list (GET /peers?detail=true, conditional on its ETag, so an unchanged
/// list costs a 304) often while it changes and more rarely once it is
/// stable, renew the lease before it runs out, and on clean shutdown leave
/// (DELETE /register/{id}). With gossip keeping the view
/// (Membership::gossiping()), one list is taken to join through and after
/// that only the lease is renewed: a network of N nodes then costs its
/// bootstrap node N renewals per lease period, not N lists of N. While no bootstrap node answers it tries
/// them in turn with exponential backoff and jitter. Never delays the node's
/// own start-up: start() only starts the thread.
class Registrar
{
public:
	struct Settings
	{
		std::vector<std::string> bootstrapUrls; ///< cluster.bootstrap
		long renewMs = 10000;                   ///< cluster.lease_renew_ms
		long refreshMinMs = 250;                ///< cluster.peer_refresh_min_ms
		long refreshMaxMs = 5000;               ///< cluster.peer_refresh_max_ms
		long retryMinMs = 200;                  ///< cluster.retry_min_ms
		long retryMaxMs = 5000;                 ///< cluster.retry_max_ms
	};

	/// Signs and speaks TLS like `peers`, the node's client.
	Registrar(Settings settings, Membership& membership, const PeerClient& peers);
	~Registrar();

	void start();
	/// Stops the thread and leaves the network (bounded by a short timeout).
	void stop();

	bool registered() const { return _registered.load(); }
	/// The bootstrap node currently used.
	std::string bootstrapUrl() const;

private:
	void run();
	void registerSelf(const std::string& bootstrap);
	bool refreshPeers(const std::string& bootstrap);
	bool needsPeerList() const;
	void leave();

	Settings _settings;
	Membership& _membership;
	/// Its own client without pooling: a hundred nodes each holding an idle
	/// keep-alive connection would tie up the bootstrap node's threads
	/// (POCO serves a connection with one thread for as long as it is open).
	PeerClient _client;
	Poco::Logger& _logger;
	Poco::Thread _thread;
	Poco::Event _stopRequested;
	std::atomic<bool> _registered{false};
	std::atomic<std::size_t> _current{0};
	std::set<std::string> _learned; ///< ids this registrar added to the view (thread-only)
	std::string _listTag;           ///< ETag of the last peer list taken (thread-only)
	std::string _listTagFrom;       ///< the bootstrap node it came from (thread-only)
	bool _running = false;
};

} // namespace p2p

#endif
