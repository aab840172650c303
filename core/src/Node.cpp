#include "Node.h"
#include "AccessControl.h"
#include "NodeIdStore.h"
#include "PeerSecurity.h"
#include "p2p/Errors.h"
#include "p2p/NodeUrl.h"
#include "p2p/Settings.h"
#include <Poco/Format.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/NetException.h>
#include <Poco/Path.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>
#include <algorithm>

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
	_settings(readServerSettings(config)),
	_router(new HttpRouter(readRouterSettings(config), _metrics)),
	_security(SecuritySettings::read(config))
{
}

Node::~Node()
{
	stop();
}

Node::SslLibrary::SslLibrary()
{
	Poco::Net::initializeSSL();
}

Node::SslLibrary::~SslLibrary()
{
	Poco::Net::uninitializeSSL();
}

Node::ServerSettings Node::readServerSettings(const Poco::Util::AbstractConfiguration& config)
{
	ServerSettings s;
	s.host = config.getString("http.host", "0.0.0.0");
	s.port = intSetting(config, "http.port", 5000, 0, 65535);
	s.minThreads = intSetting(config, "http.min_threads", 2, 1, 1024);
	s.maxThreads = intSetting(config, "http.max_threads", 64, s.minThreads, 4096);
	s.maxQueued = intSetting(config, "http.max_queued", 256, 1, 65536);
	s.backlog = intSetting(config, "http.backlog", 256, 1, 65536);
	s.keepAlive = settings::getBool(config, "", "http.keep_alive", true);
	s.keepAliveTimeoutMs = intSetting(config, "http.keep_alive_timeout_ms", 10000, 1, 3600 * 1000);
	s.maxKeepAliveRequests = intSetting(config, "http.max_keep_alive_requests", 0, 0, 1 << 30);
	s.timeoutMs = intSetting(config, "http.timeout_ms", 30000, 1, 3600 * 1000);
	s.headerTimeoutMs = intSetting(config, "http.header_timeout_ms", 10000, 1, 3600 * 1000);
	s.shutdownTimeoutMs = intSetting(config, "http.shutdown_timeout_ms", 10000, 0, 3600 * 1000);
	return s;
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
	// Each idle connection holds one of the peer's HTTP threads
	// (http.max_threads), so the pool is kept to what a busy node reuses.
	s.maxIdlePerPeer = static_cast<std::size_t>(intSetting(config, "peers.max_idle_per_peer", 4, 0, 1024));
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

void Node::bind()
{
	const std::string where = _settings.host + ":" + std::to_string(_settings.port);
	try
	{
		Poco::Net::SocketAddress address(_settings.host, static_cast<Poco::UInt16>(_settings.port));
		// SO_REUSEADDR so a restarted node can bind over its old TIME_WAIT
		// connections; never SO_REUSEPORT, which would let two nodes share
		// a port without a word.
		_socket.bind(address, true, false);
		// Accepted connections inherit it: an answer written in two parts
		// must not wait for the client's delayed ACK (40 ms) between them.
		_socket.setNoDelay(true);
		_socket.listen(_settings.backlog);
	}
	catch (const Poco::Exception& exc)
	{
		throw StartupException("cannot listen on " + where + " (http.host, http.port): " + exc.displayText());
	}
}

void Node::bindTls()
{
	const std::string where = _security.httpsHost + ":" + std::to_string(_security.httpsPort);
	try
	{
		_tlsSocket = std::make_unique<Poco::Net::SecureServerSocket>(_security.serverContext());
		_tlsSocket->bind(Poco::Net::SocketAddress(_security.httpsHost, static_cast<Poco::UInt16>(_security.httpsPort)), true, false);
		_tlsSocket->setNoDelay(true);
		_tlsSocket->listen(_settings.backlog);
	}
	catch (const StartupException&)
	{
		throw;
	}
	catch (const Poco::Exception& exc)
	{
		throw StartupException("cannot listen on " + where + " (https.host, https.port): " + exc.displayText());
	}
}

std::shared_ptr<const RequestSigner> Node::makeSigner() const
{
	if (_security.clusterSecret.empty()) return nullptr;
	return std::make_shared<RequestSigner>(_security.clusterSecret, _identity.id, _security.maxClockSkewSeconds);
}

std::unique_ptr<PeerClient> Node::makePeerClient(std::shared_ptr<const RequestSigner> signer) const
{
	auto security = std::make_shared<PeerSecurity>(std::move(signer), _security.caFile, _security.verifyPeers);
	if (!_security.verifyPeers)
		_logger.warning("https.verify_peers=false: https peers are not checked, so anyone in the path can pose as them");
	if (!_security.caFile.empty())
	{
		// Now rather than at the first https call: a bad file is a
		// configuration error, said once at start-up.
		try
		{
			security->tlsContext();
		}
		catch (const Poco::Exception& exc)
		{
			throw StartupException(exc.message());
		}
	}
	return std::make_unique<PeerClient>(readPeerSettings(_config), std::move(security));
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

Poco::Net::HTTPServerParams::Ptr Node::serverParams() const
{
	Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
	params->setMaxThreads(_settings.maxThreads);
	params->setMaxQueued(_settings.maxQueued);
	// How long a dispatcher task waits for the next connection before
	// it gives its thread back to the pool. Short, because stopping joins
	// these tasks, and POCO 1.11 can miss waking one on stop (seen as a
	// bootstrap node that took the whole idle time to exit).
	params->setThreadIdleTime(Poco::Timespan(1, 0));
	params->setKeepAlive(_settings.keepAlive);
	params->setKeepAliveTimeout(Poco::Timespan(static_cast<long>(_settings.keepAliveTimeoutMs) * 1000));
	params->setMaxKeepAliveRequests(_settings.maxKeepAliveRequests);
	params->setTimeout(Poco::Timespan(static_cast<long>(_settings.timeoutMs) * 1000));
	params->setServerName(_identity.id);
	params->setSoftwareVersion(std::string("p2p-node/") + coreVersion());
	return params;
}

void Node::start()
{
	if (_running) return;
	bind();
	if (_security.httpsEnabled()) bindTls();

	const std::string port = std::to_string(this->port());
	_dataDir = Poco::Path(_config.getString("node.data_dir", "data/node-" + port)).makeAbsolute().toString();
	_identity.id = NodeIdStore::resolve(_config.getString("node.id", ""), _dataDir);
	// Other nodes reach this one over https when it has a listener for it.
	const std::string defaultUrl = _security.httpsEnabled() ? "https://127.0.0.1:" + std::to_string(httpsPort())
	                                                        : "http://127.0.0.1:" + port;
	_identity.advertisedUrl = _config.getString("node.advertise", defaultUrl);
	checkAdvertisedUrl(_identity.advertisedUrl);
	const auto signer = makeSigner();
	_peers = makePeerClient(signer);
	protectRouter(signer);

	_membership = std::make_unique<Membership>(
		_identity, static_cast<std::size_t>(intSetting(_config, "cluster.max_members", 10000, 1, 10000000)));
	Registrar::Settings registrarSettings = readRegistrarSettings(_config);
	auto seeds = readUrlList(_config, "cluster.seeds", isNodeUrl, "http(s)://host:port");
	seeds.erase(std::remove(seeds.begin(), seeds.end(), _identity.advertisedUrl), seeds.end()); // a seed itself
	_membership->setSeeds(std::move(seeds));
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

		// Idle nodes keep minThreads; the pool grows under load and shrinks
		// back after the idle time, so 100 nodes on one machine stay cheap.
		_threads = std::make_unique<Poco::ThreadPool>("http", _settings.minThreads, _settings.maxThreads, 30);
		_slowClients = std::make_unique<SlowClientGuard>(
			Poco::Timespan(static_cast<long>(_settings.headerTimeoutMs) * 1000),
			Poco::Timespan(static_cast<long>(_settings.keepAliveTimeoutMs) * 1000));
		_metrics.gauge("p2p_http_slow_clients_cut_total",
		               "Connections cut off for not sending a request head within http.header_timeout_ms.", {},
		               [guard = _slowClients.get()] { return static_cast<double>(guard->cutOff()); });
		Poco::Net::HTTPServerParams::Ptr params = serverParams();
		_server = std::make_unique<Poco::Net::TCPServer>(_slowClients->connectionFactory(params, _router), *_threads,
		                                                 _socket, params);
		if (_security.httpsEnabled())
		{
			_tlsServer = std::make_unique<Poco::Net::TCPServer>(_slowClients->connectionFactory(params, _router), *_threads,
			                                                    *_tlsSocket, params);
		}
		_metrics.gauge("p2p_http_refused_connections_total",
		               "Connections closed at once because http.max_queued were already waiting.", {}, [this] {
			               return static_cast<double>(_server->refusedConnections() +
			                                          (_tlsServer ? _tlsServer->refusedConnections() : 0));
		               });
		_slowClients->start();
		_server->start();
		if (_tlsServer) _tlsServer->start();
	}
	catch (const Poco::Exception& exc)
	{
		if (_server) _server->stop();
		if (_tlsServer) _tlsServer->stop();
		if (_slowClients) _slowClients->stop();
		_plugins.stop();
		throw StartupException("cannot start the HTTP server: " + exc.displayText());
	}
	_running = true;
	// After the server: registering announces a node that already answers.
	if (_registrar) _registrar->start();
}

bool Node::stop()
{
	if (!_running) return true;
	_running = false;
	const Poco::Timespan drainTimeout(static_cast<long>(_settings.shutdownTimeoutMs) * 1000);
	// Leave first, so others stop sending us work while we drain.
	if (_registrar) _registrar->stop();
	// Stop accepting and close the listening socket, so new clients are
	// refused instead of waiting in the backlog of a node that is leaving.
	_server->stop();
	_socket.close();
	if (_tlsServer)
	{
		_tlsServer->stop();
		_tlsSocket->close();
	}
	bool idle = _router->waitUntilIdle(drainTimeout);
	if (idle)
	{
		// Nothing in flight: close the idle keep-alive connections.
		closeConnections(false);
	}
	else
	{
		_logger.warning("%d requests still running after http.shutdown_timeout_ms=%d; closing their connections",
		                _router->inFlight(), _settings.shutdownTimeoutMs);
		// stopAll(false) would wait for them without a bound; aborting shuts
		// their sockets down, which ends handlers blocked on the network.
		closeConnections(true);
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
	_threads->joinAll();
	_slowClients->stop();
	_server.reset();
	_tlsServer.reset();
	return true;
}

void Node::closeConnections(bool abortConnections)
{
	// The connections of both servers listen to the router for this.
	_router->closeConnections(abortConnections);
}

} // namespace p2p
