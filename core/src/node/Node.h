#ifndef P2P_Node_INCLUDED
#define P2P_Node_INCLUDED

#include "node/CoreEndpoints.h"
#include "http/HttpListeners.h"
#include "routing/HttpRouter.h"
#include "host/PluginHost.h"
#include "cluster/Registrar.h"
#include "security/PeerSecurity.h"
#include "security/RequestSigner.h"
#include "security/SecuritySettings.h"
#include "security/TlsSupport.h"
#include "p2p/Membership.h"
#include "p2p/PeerClient.h"
#include "p2p/Metrics.h"
#include "p2p/NodeContext.h"
#include "p2p/ServiceRegistry.h"
#include <Poco/Logger.h>
#include <Poco/SharedPtr.h>
#include <Poco/Util/AbstractConfiguration.h>
#include <functional>
#include <memory>
#include <atomic>
#include <mutex>

namespace p2p {

/// One running node: its identity, HTTP server, router, registries and
/// plugins, put together from the configuration. p2p-node is a thin shell
/// around it; tests can run one in-process.
///
/// start() and stop() are called from one thread (the application's main
/// thread); stop() is idempotent and also runs from the destructor.
class Node
{
public:
	/// Reads and validates the HTTP settings; throws StartupException. The
	/// identity and cluster.* settings are read by start(), once the port
	/// is known (their defaults depend on it).
	Node(const Poco::Util::AbstractConfiguration& config, const std::string& applicationDir);
	~Node();

	Node(const Node&) = delete;
	Node& operator=(const Node&) = delete;

	/// Binds the port, resolves the node id, loads and starts the plugins,
	/// then starts serving. Throws StartupException with one line to show
	/// the operator; whatever had started is stopped again.
	void start();

	/// Leaves the network (deregisters), stops accepting connections, lets
	/// requests in flight finish (up to http.shutdown_timeout_ms), then stops
	/// plugins in reverse order. (The destructor calls it too, and ends the
	/// process when it returns false.)
	/// Returns false when handlers were still stuck after the timeout and
	/// their connections were aborted: the plugins were then left running
	/// and the caller should exit the process without further clean-up.
	bool stop();

	/// The node's periodic upkeep, called from the main thread while it
	/// waits for a termination signal (so it needs no thread of its own):
	/// returns memory freed since to the system.
	void housekeep();

	const NodeIdentity& identity() const { return _identity; }
	Poco::UInt16 port() const { return _listeners.port(); }
	/// The https port, 0 without https.port.
	Poco::UInt16 httpsPort() const { return _listeners.httpsPort(); }
	const std::vector<std::string>& pluginSearchPath() const { return _plugins.searchPath(); }

private:
	static HttpRouter::Settings readRouterSettings(const Poco::Util::AbstractConfiguration& config);
	static PeerClient::Settings readPeerSettings(const Poco::Util::AbstractConfiguration& config);
	/// A comma-separated list of URLs; throws StartupException naming the
	/// property and the first URL that is not `what`.
	static std::vector<std::string> readUrlList(const Poco::Util::AbstractConfiguration& config, const std::string& key,
	                                            const std::function<bool(const std::string&)>& acceptable,
	                                            const std::string& what);
	static Registrar::Settings readRegistrarSettings(const Poco::Util::AbstractConfiguration& config);
	/// Null without cluster.secret.
	std::shared_ptr<const RequestSigner> makeSigner() const;
	void protectRouter(std::shared_ptr<const RequestSigner> signer);
	std::unique_ptr<PeerClient> makePeerClient(std::shared_ptr<const PeerSecurity> security) const;
	/// Keeps security's idea of which node is at which address current.
	void followMembership(std::shared_ptr<const PeerSecurity> security);

	static void checkAdvertisedUrl(const std::string& url);
	/// Undoes a start() that failed once the plugins had started.
	void abandonStart();

	/// TLS (libp2p-tls.so, which brings OpenSSL), loaded when the node first
	/// needs it: an https listener or an https peer. First, so that every
	/// TLS session and socket below is gone before it is.
	class Tls
	{
	public:
		/// Before the first get(): https.ca_file and https.verify_peers.
		void configure(TlsSupport::ClientSettings client) { _client = std::move(client); }
		/// Loads it, once; any thread. Throws StartupException.
		TlsSupport& get();

	private:
		TlsSupport::ClientSettings _client;
		Poco::FastMutex _mutex;
		std::unique_ptr<TlsSupport> _support;
	};
	mutable Tls _tls; ///< loaded on demand, from const members too
	const Poco::Util::AbstractConfiguration& _config;
	Poco::Logger& _logger;
	// The host is declared first so it is destroyed last: the router,
	// registries and server below hold code from plugin libraries.
	PluginHost _plugins;
	int _shutdownTimeoutMs; ///< http.shutdown_timeout_ms
	MetricsRegistry _metrics;
	ServiceRegistry _services;
	Poco::SharedPtr<HttpRouter> _router;
	std::unique_ptr<CoreEndpoints> _endpoints;
	SecuritySettings _security;
	std::unique_ptr<PeerClient> _peers; ///< made by start(), which knows the node id that signs
	std::unique_ptr<Membership> _membership;
	std::unique_ptr<Registrar> _registrar;
	NodeIdentity _identity;
	std::string _dataDir;
	/// Last, so destroyed first: its threads run plugin code that uses
	/// everything above; it reads _security.
	HttpListeners _listeners;
	bool _running = false;
};

} // namespace p2p

#endif
