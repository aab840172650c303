#include "HttpListeners.h"
#include "p2p/Errors.h"
#include "p2p/Settings.h"
#include "p2p/Version.h"

namespace p2p {

namespace {

Poco::Timespan milliseconds(int ms)
{
	return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms) * 1000);
}

} // namespace

HttpListeners::Settings HttpListeners::Settings::read(const Poco::Util::AbstractConfiguration& config)
{
	Settings s;
	s.host = config.getString("http.host", "0.0.0.0");
	s.port = settings::getInt(config, "", "http.port", 5000, 0, 65535);
	s.minThreads = settings::getInt(config, "", "http.min_threads", 2, 1, 1024);
	s.maxThreads = settings::getInt(config, "", "http.max_threads", 64, s.minThreads, 4096);
	s.maxQueued = settings::getInt(config, "", "http.max_queued", 256, 1, 65536);
	s.backlog = settings::getInt(config, "", "http.backlog", 256, 1, 65536);
	s.keepAlive = settings::getBool(config, "", "http.keep_alive", true);
	s.keepAliveTimeoutMs = settings::getInt(config, "", "http.keep_alive_timeout_ms", 10000, 1, 3600 * 1000);
	s.maxKeepAliveRequests = settings::getInt(config, "", "http.max_keep_alive_requests", 0, 0, 1 << 30);
	s.timeoutMs = settings::getInt(config, "", "http.timeout_ms", 30000, 1, 3600 * 1000);
	s.headerTimeoutMs = settings::getInt(config, "", "http.header_timeout_ms", 10000, 1, 3600 * 1000);
	s.minBodyBytesPerSecond = settings::getInt(config, "", "http.min_body_bytes_per_s", 1024, 0, 1 << 30);
	return s;
}

HttpListeners::HttpListeners(Settings settings, const SecuritySettings& security):
	_settings(std::move(settings)),
	_security(security)
{
}

HttpListeners::~HttpListeners()
{
	if (_server) _server->stop();
	if (_tlsServer) _tlsServer->stop();
	if (_slowClients) _slowClients->stop();
}

void HttpListeners::bind()
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
	if (_security.httpsEnabled()) bindTls();
}

void HttpListeners::bindTls()
{
	const std::string where = _security.httpsHost + ":" + std::to_string(_security.httpsPort);
	try
	{
		_tlsSocket = std::make_unique<Poco::Net::SecureServerSocket>(_security.serverContext());
		_tlsSocket->bind(Poco::Net::SocketAddress(_security.httpsHost, static_cast<Poco::UInt16>(_security.httpsPort)),
		                 true, false);
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

Poco::Net::HTTPServerParams::Ptr HttpListeners::serverParams(const std::string& serverName) const
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
	params->setKeepAliveTimeout(milliseconds(_settings.keepAliveTimeoutMs));
	params->setMaxKeepAliveRequests(_settings.maxKeepAliveRequests);
	params->setTimeout(milliseconds(_settings.timeoutMs));
	params->setServerName(serverName);
	params->setSoftwareVersion(std::string("p2p-node/") + coreVersion());
	return params;
}

void HttpListeners::start(Poco::SharedPtr<HttpRouter> router, const std::string& serverName, MetricsRegistry& metrics)
{
	_router = router;
	_slowClients = std::make_unique<SlowClientGuard>(milliseconds(_settings.headerTimeoutMs),
	                                                 milliseconds(_settings.keepAliveTimeoutMs),
	                                                 _settings.minBodyBytesPerSecond);
	// Idle nodes keep minThreads; the pool grows under load and shrinks
	// back after the idle time, so 100 nodes on one machine stay cheap.
	_threads = std::make_unique<Poco::ThreadPool>("http", _settings.minThreads, _settings.maxThreads, 30);
	Poco::Net::HTTPServerParams::Ptr params = serverParams(serverName);
	_server = std::make_unique<Poco::Net::TCPServer>(_slowClients->connectionFactory(params, router), *_threads,
	                                                 _socket, params);
	if (_tlsSocket)
	{
		_tlsServer = std::make_unique<Poco::Net::TCPServer>(_slowClients->connectionFactory(params, router), *_threads,
		                                                    *_tlsSocket, params);
	}
	metrics.gauge("p2p_http_slow_clients_cut_total",
	              "Connections cut off for sending a request head slower than http.header_timeout_ms allows, "
	              "or a body slower than http.min_body_bytes_per_s.", {},
	              [guard = _slowClients.get()] { return static_cast<double>(guard->cutOff()); });
	metrics.gauge("p2p_http_refused_connections_total",
	              "Connections closed at once because http.max_queued were already waiting.", {}, [this] {
		              return static_cast<double>((_server ? _server->refusedConnections() : 0) +
		                                         (_tlsServer ? _tlsServer->refusedConnections() : 0));
	              });
	_slowClients->start();
	_server->start();
	if (_tlsServer) _tlsServer->start();
}

void HttpListeners::stopAccepting()
{
	if (_server) _server->stop();
	_socket.close();
	if (_tlsServer) _tlsServer->stop();
	if (_tlsSocket) _tlsSocket->close();
}

void HttpListeners::closeConnections(bool abort)
{
	// The connections of both servers listen to the router for this, as
	// they would to an HTTPServer's stopAll().
	if (_router) _router->closeConnections(abort);
}

void HttpListeners::join()
{
	if (_threads) _threads->joinAll();
	if (_slowClients) _slowClients->stop();
	_server.reset();
	_tlsServer.reset();
}

} // namespace p2p
