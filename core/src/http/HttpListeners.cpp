#include "http/HttpListeners.h"
#include "p2p/Errors.h"
#include "p2p/Settings.h"
#include "p2p/Version.h"
#include <Poco/Logger.h>
#include <algorithm>
#include <sys/resource.h>
#include <thread>

namespace p2p {

namespace {

Poco::Timespan milliseconds(int ms)
{
	return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms) * 1000);
}

/// Descriptors kept for what is not a client connection: peers, files,
/// SQLite, plugins, the listeners themselves.
constexpr rlim_t kDescriptorsForTheRest = 1024;

/// Raises the soft descriptor limit to the hard one, and lowers
/// http.max_connections to what is left of it: a node whose accept() fails
/// for want of descriptors serves no one, where one at its own limit sheds
/// and refuses, and says so in its metrics.
void fitToDescriptorLimit(std::size_t& maxConnections)
{
	rlimit limit{};
	if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
	if (limit.rlim_cur < limit.rlim_max)
	{
		limit.rlim_cur = limit.rlim_max;
		::setrlimit(RLIMIT_NOFILE, &limit);
		::getrlimit(RLIMIT_NOFILE, &limit);
	}
	if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= maxConnections + kDescriptorsForTheRest) return;
	const std::size_t fits = limit.rlim_cur > 2 * kDescriptorsForTheRest ? limit.rlim_cur - kDescriptorsForTheRest
	                                                                       : limit.rlim_cur / 2;
	Poco::Logger::get("http").warning(
		"http.max_connections is %z, but the process may open %z descriptors (ulimit -n, LimitNOFILE=): %z are "
		"taken instead",
		maxConnections, static_cast<std::size_t>(limit.rlim_cur), fits);
	maxConnections = fits;
}

} // namespace

HttpListeners::Settings HttpListeners::Settings::read(const Poco::Util::AbstractConfiguration& config)
{
	Settings s;
	const std::string engine = config.getString("http.engine", "loop");
	if (engine == "loop")
		s.engine = Settings::Engine::Loop;
	else if (engine == "threads")
		s.engine = Settings::Engine::Threads;
	else
		throw StartupException("http.engine must be 'loop' or 'threads', not '" + engine + "'");
	// A loop per two cores (up to 8): the other half is for the workers, the
	// kernel's network stack and the node's peers on the same machine.
	// Measured on 2 cores with wrk beside the node, one loop served a local
	// GET 1.3x faster than two.
	const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
	s.ioThreads = static_cast<std::size_t>(
		settings::getInt(config, "", "http.io_threads", std::clamp(cores / 2, 1, 8), 1, 256));
	s.maxConnections = static_cast<std::size_t>(settings::getInt(config, "", "http.max_connections", 10000, 1, 1 << 20));
	fitToDescriptorLimit(s.maxConnections);
	// A quarter of them by default: a machine running a thousand nodes on
	// 127.0.0.1 still reaches its bootstrap node.
	s.maxConnectionsPerAddress = static_cast<std::size_t>(settings::getInt(
		config, "", "http.max_connections_per_address", static_cast<int>(s.maxConnections / 4), 0, 1 << 20));
	s.maxRequestsPerSecondPerAddress =
		settings::getInt(config, "", "http.max_requests_per_s_per_address", 0, 0, 100000000);
	s.requestBurstPerAddress = settings::getInt(config, "", "http.request_burst_per_address",
	                                            static_cast<int>(std::max(2 * s.maxRequestsPerSecondPerAddress, 1.0)), 1, 100000000);
	s.maxHeadsPerAddress =
		static_cast<std::size_t>(settings::getInt(config, "", "http.max_heads_per_address", 128, 0, 1 << 20));
	s.host = config.getString("http.host", "0.0.0.0");
	s.port = settings::getInt(config, "", "http.port", 5000, 0, 65535);
	s.minThreads = settings::getInt(config, "", "http.min_threads", 2, 1, 1024);
	s.maxThreads = settings::getInt(config, "", "http.max_threads", 64, s.minThreads, 4096);
	s.maxQueued = settings::getInt(config, "", "http.max_queued", 256, 1, 65536);
	s.backlog = settings::getInt(config, "", "http.backlog", 4096, 1, 65536);
	s.keepAlive = settings::getBool(config, "", "http.keep_alive", true);
	s.keepAliveTimeoutMs = settings::getInt(config, "", "http.keep_alive_timeout_ms", 10000, 1, 3600 * 1000);
	s.maxKeepAliveRequests = settings::getInt(config, "", "http.max_keep_alive_requests", 0, 0, 1 << 30);
	s.timeoutMs = settings::getInt(config, "", "http.timeout_ms", 30000, 1, 3600 * 1000);
	s.headerTimeoutMs = settings::getInt(config, "", "http.header_timeout_ms", 10000, 1, 3600 * 1000);
	s.minBodyBytesPerSecond = settings::getInt(config, "", "http.min_body_bytes_per_s", 1024, 0, 1 << 30);
	s.idleParkMs = settings::getInt(config, "", "http.idle_park_ms", 50, 0, 3600 * 1000);
	s.maxIdleConnections = settings::getInt(config, "", "http.max_idle_connections", 1024, 0, 1 << 20);
	return s;
}

HttpListeners::HttpListeners(Settings settings, const SecuritySettings& security):
	_settings(std::move(settings)),
	_security(security)
{
}

HttpListeners::~HttpListeners()
{
	stopAccepting();
	if (_loopServer) _loopServer->join();
	if (_idle) _idle->stop();
	if (_dispatcher) _dispatcher->stop();
	if (_slowClients) _slowClients->stop();
	if (_dispatcher) _dispatcher->release();
}

void HttpListeners::bind(TlsSupport* tls)
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
	if (_security.httpsEnabled()) bindTls(*tls);
}

void HttpListeners::bindTls(TlsSupport& tls)
{
	const std::string where = _security.httpsHost + ":" + std::to_string(_security.httpsPort);
	try
	{
		_tlsSocket = std::make_unique<Poco::Net::ServerSocket>(tls.serverSocket({_security.certificate, _security.privateKey}));
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
	Poco::Net::HTTPServerParams::Ptr params = serverParams(serverName);
	if (_settings.engine == Settings::Engine::Loop)
	{
		LoopHttpServer::Settings loop;
		loop.ioThreads = _settings.ioThreads;
		loop.minThreads = static_cast<std::size_t>(_settings.minThreads);
		loop.maxThreads = static_cast<std::size_t>(_settings.maxThreads);
		loop.maxQueued = static_cast<std::size_t>(_settings.maxQueued);
		loop.maxConnections = _settings.maxConnections;
		loop.maxConnectionsPerAddress = _settings.maxConnectionsPerAddress;
		loop.maxRequestsPerSecondPerAddress = _settings.maxRequestsPerSecondPerAddress;
		loop.requestBurstPerAddress = _settings.requestBurstPerAddress;
		loop.maxHeadsPerAddress = _settings.maxHeadsPerAddress;
		loop.maxKeepAliveRequests = _settings.maxKeepAliveRequests;
		loop.headerTimeout = milliseconds(_settings.headerTimeoutMs);
		loop.keepAliveTimeout = milliseconds(_settings.keepAliveTimeoutMs);
		loop.minBodyBytesPerSecond = _settings.minBodyBytesPerSecond;
		_loopServer = std::make_unique<LoopHttpServer>(loop, _socket, *router, params);
	}
	if (_settings.engine == Settings::Engine::Threads || _tlsSocket) startThreads(router, params);
	addMetrics(metrics);
	if (_loopServer) _loopServer->start();
	if (_acceptor) _acceptor->start();
	if (_tlsAcceptor) _tlsAcceptor->start();
}

void HttpListeners::startThreads(Poco::SharedPtr<HttpRouter> router, Poco::Net::HTTPServerParams::Ptr params)
{
	_slowClients = std::make_unique<SlowClientGuard>(milliseconds(_settings.headerTimeoutMs),
	                                                 milliseconds(_settings.keepAliveTimeoutMs),
	                                                 _settings.minBodyBytesPerSecond);
	_idle = std::make_unique<IdleConnections>(static_cast<std::size_t>(_settings.maxIdleConnections));
	// Idle nodes keep minThreads; the pool grows under load and shrinks
	// back after the idle time, so 100 nodes on one machine stay cheap.
	_threads = std::make_unique<Poco::ThreadPool>("http", _settings.minThreads, _settings.maxThreads, 30);
	_connections = new HttpConnections(params, router, *_slowClients, *_idle, milliseconds(_settings.idleParkMs),
	                                   milliseconds(_settings.headerTimeoutMs));
	_dispatcher = new Poco::Net::TCPServerDispatcher(_connections, *_threads, params);
	_connections->serveFrom(*_dispatcher);
	if (_settings.engine == Settings::Engine::Threads) _acceptor = std::make_unique<HttpAcceptor>(_socket, *_connections);
	if (_tlsSocket) _tlsAcceptor = std::make_unique<HttpAcceptor>(*_tlsSocket, *_connections);
	_slowClients->start();
	_idle->start([connections = _connections.get()](const Poco::Net::StreamSocket& socket) {
		return connections->queue(socket);
	});
}

void HttpListeners::addMetrics(MetricsRegistry& metrics)
{
	// Either server, or both (the loops for http, threads for https): the
	// counts are summed.
	SlowClientGuard* guard = _slowClients.get();
	Poco::Net::TCPServerDispatcher* dispatcher = _dispatcher;
	IdleConnections* idle = _idle.get();
	LoopHttpServer* loop = _loopServer.get();
	metrics.counted("p2p_http_slow_clients_cut_total",
	              "Connections cut off for sending a request head slower than http.header_timeout_ms allows, "
	              "a body slower than http.min_body_bytes_per_s, or reading nothing of an answer for http.timeout_ms.", {},
	              [guard, loop] {
		              return static_cast<double>((guard ? guard->cutOff() : 0) + (loop ? loop->slowClientsCut() : 0));
	              });
	metrics.counted("p2p_http_refused_connections_total",
	              "Connections or requests refused at once because http.max_queued were already waiting for a thread, "
	              "or http.max_connections were open (or http.max_connections_per_address from one address).", {},
	              [dispatcher, loop] {
		              return static_cast<double>((dispatcher ? dispatcher->refusedConnections() : 0) +
		                                         (loop ? loop->refusedConnections() + loop->overloaded() : 0));
	              });
	metrics.counted("p2p_http_rate_limited_requests_total",
	              "Requests answered 429 because their client address sent more than http.max_requests_per_s_per_address, "
	              "or had http.max_heads_per_address unfinished.",
	              {}, [loop] { return static_cast<double>(loop ? loop->rateLimited() : 0); });
	metrics.counted("p2p_http_shed_connections_total",
	              "Connections that waited longest for a request head, closed because http.max_connections were open "
	              "when a new client came.", {},
	              [loop] { return static_cast<double>(loop ? loop->shedConnections() : 0); });
	metrics.counted("p2p_http_malformed_requests_total",
	              "Requests refused before any route for a head that is not HTTP/1.x as RFC 9112 writes it "
	              "(400, 414, 431, 501, 505), on the event-loop server.", {},
	              [loop] { return static_cast<double>(loop ? loop->malformedRequests() : 0); });
	metrics.gauge("p2p_http_open_connections", "Client connections open now.", {},
	              [loop, idle] { return static_cast<double>((loop ? loop->openConnections() : 0) + (idle ? idle->size() : 0)); });
	metrics.gauge("p2p_http_idle_connections", "Kept-alive connections waiting for a request without a thread.", {},
	              [idle, loop] { return static_cast<double>((idle ? idle->size() : 0) + (loop ? loop->idleConnections() : 0)); });
	metrics.counted("p2p_http_idle_connections_closed_total",
	              "Idle connections closed after http.keep_alive_timeout_ms (or, before a first request, "
	              "http.header_timeout_ms) without a request.", {},
	              [idle, loop] { return static_cast<double>((idle ? idle->expired() : 0) + (loop ? loop->idleClosed() : 0)); });
	metrics.counted("p2p_http_idle_connections_unparked_total",
	              "Idle connections that kept their thread because http.max_idle_connections were parked "
	              "(the threads engine only: on the loops no connection holds a thread).", {},
	              [idle] { return static_cast<double>(idle ? idle->refused() : 0); });
}

void HttpListeners::stopAccepting()
{
	if (_loopServer) _loopServer->stopAccepting();
	if (_acceptor) _acceptor->stop();
	if (_tlsAcceptor) _tlsAcceptor->stop();
	_socket.close();
	if (_tlsSocket) _tlsSocket->close();
}

void HttpListeners::closeConnections(bool abort)
{
	if (_loopServer) _loopServer->closeConnections(abort);
	// Parked connections have no request in hand: they close at once. The
	// dispatcher ran until now so that a parked connection whose client
	// sent a request while the node drained was still served; stopping it
	// drops what is still queued and ends its tasks, so join() can.
	if (_idle) _idle->stop();
	if (_connections) _connections->closeAll(abort);
	if (_dispatcher) _dispatcher->stop();
}

void HttpListeners::join()
{
	if (_loopServer) _loopServer->join();
	if (_threads) _threads->joinAll();
	if (_slowClients) _slowClients->stop();
}

} // namespace p2p
