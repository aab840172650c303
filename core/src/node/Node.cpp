#include "node/Node.h"
#include "security/AccessControl.h"
#include "support/FreeMemory.h"
#include "node/NodeIdStore.h"
#include "cluster/PeerClientImpl.h"
#include "security/PeerSecurity.h"
#include "p2p/Errors.h"
#include "p2p/NodeUrl.h"
#include "p2p/Settings.h"
#include <Poco/Format.h>
#include <Poco/Net/NetException.h>
#include <Poco/Path.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>
#include <algorithm>
#include <cstdlib>

namespace p2p {

namespace {

int intSetting(const Poco::Util::AbstractConfiguration& config, const std::string& key, int defaultValue, int min, int max)
{
	return settings::getInt(config, "", key, defaultValue, min, max);
}

} // namespace

Node::Node(const Poco::Util::AbstractConfiguration& config, const std::string& applicationDir):
	_config(config),
	_logger(Poco::Logger::get("node")),
	_plugins(config, applicationDir),
	_shutdownTimeoutMs(intSetting(config, "http.shutdown_timeout_ms", 10000, 0, 3600 * 1000)),
	_router(new HttpRouter(readRouterSettings(config), _metrics)),
	_security(SecuritySettings::read(config)),
	_listeners(HttpListeners::Settings::read(config), _security)
{
	_tls.configure({_security.caFile, _security.verifyPeers});
}

Node::~Node()
{
	if (!stop())
	{
		// Handlers still run plugin code on server threads: destroying the
		// plugins, the router and the guard under them would crash later and
		// somewhere else. Ending here is the honest failure.
		_logger.fatal("a node with stuck request handlers is being destroyed; exiting");
		std::_Exit(EXIT_FAILURE);
	}
}

TlsSupport& Node::Tls::get()
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	if (!_support) _support = TlsSupport::load(_client);
	return *_support;
}

std::vector<std::string> Node::readUrlList(const Poco::Util::AbstractConfiguration& config, const std::string& key,
                                           const std::function<bool(const std::string&)>& acceptable, const std::string& what)
{
	std::vector<std::string> list;
	Poco::StringTokenizer urls(config.getString(key, ""), ",",
	                           Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
	for (const auto& url : urls)
	{
		if (!acceptable(url)) throw StartupException(key + " must list " + what + " URLs, not '" + url + "'");
		list.push_back(url);
	}
	return list;
}

PeerClient::Settings Node::readPeerSettings(const Poco::Util::AbstractConfiguration& config)
{
	PeerClient::Settings s;
	s.connectTimeout = Poco::Timespan(intSetting(config, "peers.connect_timeout_ms", 2000, 1, 600000) * Poco::Timespan::MILLISECONDS);
	s.requestTimeout = Poco::Timespan(intSetting(config, "peers.timeout_ms", 5000, 1, 3600 * 1000) * Poco::Timespan::MILLISECONDS);
	// An idle connection costs the peer a descriptor, not a thread (it is
	// parked there), so the pool keeps what 64 concurrent forwards reuse:
	// at 4, one forwarded request in six opened a new connection; at 16,
	// one in a hundred (tests/bench, two nodes, wrk -c64).
	s.maxIdlePerPeer = static_cast<std::size_t>(intSetting(config, "peers.max_idle_per_peer", 16, 0, 1024));
	s.pipelineDepth = static_cast<std::size_t>(intSetting(config, "peers.pipeline_depth", 16, 1, 256));
	return s;
}

HttpRouter::Settings Node::readRouterSettings(const Poco::Util::AbstractConfiguration& config)
{
	HttpRouter::Settings s;
	s.maxBodyBytes = intSetting(config, "http.max_body_bytes", 1024 * 1024, 1, 1 << 30);
	s.accessLog = settings::getBool(config, "", "http.access_log", true);
	return s;
}

Registrar::Settings Node::readRegistrarSettings(const Poco::Util::AbstractConfiguration& config)
{
	Registrar::Settings s;
	s.bootstrapUrls = readUrlList(config, "cluster.bootstrap", isNodeUrl, "http(s)://host:port");
	s.renewMs = intSetting(config, "cluster.lease_renew_ms", 10000, 100, 3600 * 1000);
	s.refreshMinMs = intSetting(config, "cluster.peer_refresh_min_ms", 250, 10, 3600 * 1000);
	s.refreshMaxMs = intSetting(config, "cluster.peer_refresh_max_ms", 5000, static_cast<int>(s.refreshMinMs), 3600 * 1000);
	s.retryMinMs = intSetting(config, "cluster.retry_min_ms", 200, 1, 3600 * 1000);
	s.retryMaxMs = intSetting(config, "cluster.retry_max_ms", 5000, static_cast<int>(s.retryMinMs), 3600 * 1000);
	return s;
}

void Node::checkAdvertisedUrl(const std::string& url)
{
	// Checked here, once, rather than refused by every bootstrap node on
	// every retry.
	if (!isNodeUrl(url))
		throw StartupException("node.advertise must be an http(s)://host:port URL that other nodes can reach, not '" + url + "'");
}

std::shared_ptr<const RequestSigner> Node::makeSigner() const
{
	if (_security.clusterSecret.empty()) return nullptr;
	return std::make_shared<RequestSigner>(_security.clusterSecret, _identity.id, _security.maxClockSkewSeconds);
}

std::unique_ptr<PeerClient> Node::makePeerClient(std::shared_ptr<const PeerSecurity> security) const
{
	if (!_security.verifyPeers)
		_logger.warning("https.verify_peers=false: https peers are not checked, so anyone in the path can pose as them");
	if (!_security.caFile.empty())
	{
		// Now rather than at the first https call: a bad file is a
		// configuration error, said once at start-up.
		try
		{
			_tls.get().checkClient();
		}
		catch (const StartupException&)
		{
			throw;
		}
		catch (const Poco::Exception& exc)
		{
			throw StartupException(exc.message());
		}
	}
	return PeerClient::Impl::secured(readPeerSettings(_config), std::move(security));
}

void Node::followMembership(std::shared_ptr<const PeerSecurity> security)
{
	// Only a node heard from alive says who is at its address now: news of
	// an old member (suspect, dead, gone) must not take the address back
	// from a new node that took it over.
	_membership->subscribe([security](const MembershipEvent& event) {
		if (event.kind == MembershipEvent::Kind::Left || event.member.state == MemberState::Dead)
			security->stamps().forget(event.member.url, event.member.id);
		else if (event.member.state == MemberState::Alive)
			security->stamps().learn(event.member.url, event.member.id);
	});
}

void Node::protectRouter(std::shared_ptr<const RequestSigner> signer)
{
	std::shared_ptr<const ClientCredentials> clients;
	if (!_security.authToken.empty() || !_security.jwtSecret.empty())
		clients = std::make_shared<ClientCredentials>(_security.authToken, _security.jwtSecret);
	_router->protect(std::make_shared<AccessControl>(signer, clients));
	if (signer) _logger.information("node-to-node requests are signed and checked (cluster.secret)");
	if (clients) _logger.information("client endpoints need a bearer credential (http.auth)");
}

void Node::start()
{
	if (_running) return;
	_listeners.bind(_security.httpsEnabled() ? &_tls.get() : nullptr);

	const std::string port = std::to_string(this->port());
	_dataDir = Poco::Path(_config.getString("node.data_dir", "data/node-" + port)).makeAbsolute().toString();
	_identity.id = NodeIdStore::resolve(_config.getString("node.id", ""), _dataDir);
	// Other nodes reach this one over https when it has a listener for it.
	const std::string defaultUrl = _security.httpsEnabled() ? "https://127.0.0.1:" + std::to_string(httpsPort())
	                                                        : "http://127.0.0.1:" + port;
	_identity.advertisedUrl = _config.getString("node.advertise", defaultUrl);
	checkAdvertisedUrl(_identity.advertisedUrl);
	// The listener the advertised URL leads to: https's when it is https.
	_identity.bindHost = Poco::icompare(_identity.advertisedUrl.substr(0, 8), "https://") == 0
	                         ? _security.httpsHost
	                         : _listeners.settings().host;
	const auto signer = makeSigner();
	const auto security = std::make_shared<PeerSecurity>(signer, [this]() -> TlsSupport& { return _tls.get(); });
	_peers = makePeerClient(security);
	protectRouter(signer);

	_membership = std::make_unique<Membership>(
		_identity, static_cast<std::size_t>(intSetting(_config, "cluster.max_members", 10000, 1, 10000000)));
	Registrar::Settings registrarSettings = readRegistrarSettings(_config);
	auto seeds = readUrlList(_config, "cluster.seeds", isNodeUrl, "http(s)://host:port");
	seeds.erase(std::remove(seeds.begin(), seeds.end(), _identity.advertisedUrl), seeds.end()); // a seed itself
	_membership->setSeeds(std::move(seeds));
	followMembership(security);
	if (!registrarSettings.bootstrapUrls.empty())
		_registrar = std::make_unique<Registrar>(registrarSettings, *_membership, *_peers);
	else if (_membership->seeds().empty())
		_membership->markSynced(); // on its own: the view is complete as it is

	_plugins.load();
	std::function<bool()> registered;
	if (_registrar) registered = [registrar = _registrar.get()] { return registrar->registered(); };
	_endpoints = std::make_unique<CoreEndpoints>(_identity, [this] { return _plugins.plugins(); }, _metrics,
	                                             *_membership, registered);
	_endpoints->registerOn(*_router);
	_plugins.start(_identity, _dataDir, *_router, _services, _metrics, *_membership, *_peers);

	try
	{
		_router->freeze();
		_metrics.gauge("p2p_http_requests_in_flight", "HTTP requests being handled right now.", {},
		               [router = _router.get()] { return static_cast<double>(router->inFlight()); });

		_listeners.start(_router, _identity.id, _metrics);
	}
	catch (const Poco::Exception& exc)
	{
		abandonStart();
		throw StartupException("cannot start the HTTP server: " + exc.displayText());
	}
	catch (...)
	{
		abandonStart();
		throw;
	}
	_running = true;
	// After the server: registering announces a node that already answers.
	if (_registrar) _registrar->start();
}

void Node::housekeep()
{
	returnFreeMemory();
}

void Node::abandonStart()
{
	_listeners.stopAccepting();
	_listeners.closeConnections(true);
	_listeners.join();
	_plugins.stop();
}

bool Node::stop()
{
	if (!_running) return true;
	_running = false;
	const Poco::Timespan drainTimeout(static_cast<long>(_shutdownTimeoutMs) * 1000);
	// Leave first, so others stop sending us work while we drain.
	if (_registrar) _registrar->stop();
	// Stop accepting and close the listening socket, so new clients are
	// refused instead of waiting in the backlog of a node that is leaving.
	_listeners.stopAccepting();
	bool idle = _router->waitUntilIdle(drainTimeout);
	if (idle)
	{
		// Nothing in flight: close the idle keep-alive connections.
		_listeners.closeConnections(false);
	}
	else
	{
		_logger.warning("%d requests still running after http.shutdown_timeout_ms=%d; closing their connections",
		                _router->inFlight(), _shutdownTimeoutMs);
		// stopAll(false) would wait for them without a bound; aborting shuts
		// their sockets down, which ends handlers blocked on the network.
		_listeners.closeConnections(true);
		idle = _router->waitUntilIdle(Poco::Timespan(1, 0));
	}
	if (!idle)
	{
		// A handler that ignores its closed connection still runs plugin
		// code: stopping plugins under it could crash. Leave them be.
		_logger.error("%d requests are stuck in their handlers; not stopping plugins", _router->inFlight());
		return false;
	}
	_plugins.stop();
	_listeners.join();
	return true;
}

} // namespace p2p
