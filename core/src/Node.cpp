#include "Node.h"
#include "NodeIdStore.h"
#include "p2p/Errors.h"
#include <Poco/Format.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/NetException.h>
#include <Poco/Path.h>
#include <Poco/String.h>

namespace p2p {

namespace {

int intSetting(const Poco::Util::AbstractConfiguration& config, const std::string& key, int defaultValue, int min, int max)
{
	int value;
	try
	{
		value = config.getInt(key, defaultValue);
	}
	catch (const Poco::SyntaxException&)
	{
		throw StartupException("property " + key + " must be a whole number, not '" + config.getString(key) + "'");
	}
	if (value < min || value > max)
		throw StartupException(Poco::format("property %s must be between %d and %d, not %d", key, min, max, value));
	return value;
}

bool boolSetting(const Poco::Util::AbstractConfiguration& config, const std::string& key, bool defaultValue)
{
	try
	{
		return config.getBool(key, defaultValue);
	}
	catch (const Poco::SyntaxException&)
	{
		throw StartupException("property " + key + " must be true or false, not '" + config.getString(key) + "'");
	}
}

} // namespace

Node::Node(const Poco::Util::AbstractConfiguration& config, const std::string& applicationDir):
	_config(config),
	_logger(Poco::Logger::get("node")),
	_plugins(config, applicationDir),
	_settings(readServerSettings(config)),
	_router(new HttpRouter(readRouterSettings(config), _metrics))
{
}

Node::~Node()
{
	stop();
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
	s.keepAlive = boolSetting(config, "http.keep_alive", true);
	s.keepAliveTimeoutMs = intSetting(config, "http.keep_alive_timeout_ms", 10000, 1, 3600 * 1000);
	s.maxKeepAliveRequests = intSetting(config, "http.max_keep_alive_requests", 0, 0, 1 << 30);
	s.timeoutMs = intSetting(config, "http.timeout_ms", 30000, 1, 3600 * 1000);
	s.shutdownTimeoutMs = intSetting(config, "http.shutdown_timeout_ms", 10000, 0, 3600 * 1000);
	return s;
}

HttpRouter::Settings Node::readRouterSettings(const Poco::Util::AbstractConfiguration& config)
{
	HttpRouter::Settings s;
	s.maxBodyBytes = intSetting(config, "http.max_body_bytes", 1024 * 1024, 1, 1 << 30);
	s.accessLog = boolSetting(config, "http.access_log", true);
	return s;
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
		_socket.listen(_settings.backlog);
	}
	catch (const Poco::Exception& exc)
	{
		throw StartupException("cannot listen on " + where + " (http.host, http.port): " + exc.displayText());
	}
}

void Node::start()
{
	if (_running) return;
	bind();

	const std::string port = std::to_string(this->port());
	_dataDir = Poco::Path(_config.getString("node.data_dir", "data/node-" + port)).makeAbsolute().toString();
	_identity.id = NodeIdStore::resolve(_config.getString("node.id", ""), _dataDir);
	_identity.advertisedUrl = _config.getString("node.advertise", "http://127.0.0.1:" + port);

	_plugins.load();
	_endpoints = std::make_unique<CoreEndpoints>(_identity, [this] { return _plugins.plugins(); }, _metrics);
	_endpoints->registerOn(*_router);
	_plugins.start(_identity, _dataDir, *_router, _services, _metrics);

	try
	{
		_router->freeze();
		_metrics.gauge("p2p_http_requests_in_flight", "HTTP requests being handled right now.", {},
		               [router = _router.get()] { return static_cast<double>(router->inFlight()); });

		// Idle nodes keep minThreads; the pool grows under load and shrinks
		// back after the idle time, so 100 nodes on one machine stay cheap.
		_threads = std::make_unique<Poco::ThreadPool>("http", _settings.minThreads, _settings.maxThreads, 30);
		Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
		params->setMaxThreads(_settings.maxThreads);
		params->setMaxQueued(_settings.maxQueued);
		params->setThreadIdleTime(Poco::Timespan(30, 0));
		params->setKeepAlive(_settings.keepAlive);
		params->setKeepAliveTimeout(Poco::Timespan(static_cast<long>(_settings.keepAliveTimeoutMs) * 1000));
		params->setMaxKeepAliveRequests(_settings.maxKeepAliveRequests);
		params->setTimeout(Poco::Timespan(static_cast<long>(_settings.timeoutMs) * 1000));
		params->setServerName(_identity.id);
		params->setSoftwareVersion(std::string("p2p-node/") + coreVersion());
		_server = std::make_unique<Poco::Net::HTTPServer>(_router, *_threads, _socket, params);
		_server->start();
	}
	catch (const Poco::Exception& exc)
	{
		_plugins.stop();
		throw StartupException("cannot start the HTTP server: " + exc.displayText());
	}
	_running = true;
}

void Node::stop()
{
	if (!_running) return;
	_running = false;
	// Stop accepting; connections close after the request they are serving.
	_server->stopAll(false);
	if (!_router->waitUntilIdle(Poco::Timespan(static_cast<long>(_settings.shutdownTimeoutMs) * 1000)))
	{
		_logger.warning("%d requests still running after http.shutdown_timeout_ms=%d; aborting them",
		                _router->inFlight(), _settings.shutdownTimeoutMs);
		_server->stopAll(true);
	}
	_plugins.stop();
	_threads->joinAll();
	_server.reset();
}

} // namespace p2p
