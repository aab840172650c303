#ifndef P2P_HttpListeners_INCLUDED
#define P2P_HttpListeners_INCLUDED

#include "http/HttpAcceptor.h"
#include "http/HttpConnections.h"
#include "routing/HttpRouter.h"
#include "http/IdleConnections.h"
#include "http/LoopHttpServer.h"
#include "security/SecuritySettings.h"
#include "http/SlowClientGuard.h"
#include "security/TlsSupport.h"
#include "p2p/Metrics.h"
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/SharedPtr.h>
#include <Poco/ThreadPool.h>
#include <Poco/Util/AbstractConfiguration.h>
#include <memory>
#include <string>

namespace p2p {

/// Where a node's HTTP comes in: the http.port socket, the https.port one
/// when there is one, and the servers behind them. http.engine picks the
/// plain socket's: `loop`, the event loops of LoopHttpServer, or
/// `threads`, an acceptor feeding one dispatcher and its thread pool, the
/// idle connections parked without a thread, and the slow-client guard
/// watching every connection. TLS connections are always served the
/// second way (the loops do not speak TLS yet). Requests go to the router.
///
/// Driven by Node from its main thread, in this order: bind(), start(),
/// then on the way out stopAccepting(), closeConnections(), join().
class HttpListeners
{
public:
	struct Settings
	{
		enum class Engine
		{
			Loop,
			Threads
		};
		Engine engine = Engine::Loop;
		std::size_t ioThreads = 2;
		std::size_t maxConnections = 10000;
		std::size_t maxConnectionsPerAddress = 2500; ///< 0: none
		double maxRequestsPerSecondPerAddress = 0;   ///< 0: none
		std::size_t maxHeadsPerAddress = 128;        ///< 0: none
		double requestBurstPerAddress = 0;
		std::string host;
		int port = 5000;
		int minThreads = 2;
		int maxThreads = 64;
		int maxQueued = 256;
		int backlog = 256;
		bool keepAlive = true;
		int keepAliveTimeoutMs = 10000;
		int maxKeepAliveRequests = 0;
		int timeoutMs = 30000;
		int headerTimeoutMs = 10000;
		int minBodyBytesPerSecond = 1024;
		int idleParkMs = 50;
		int maxIdleConnections = 1024;

		/// The http.* properties; throws StartupException for a bad value.
		static Settings read(const Poco::Util::AbstractConfiguration& config);
	};

	HttpListeners(Settings settings, const SecuritySettings& security);
	~HttpListeners();

	HttpListeners(const HttpListeners&) = delete;
	HttpListeners& operator=(const HttpListeners&) = delete;

	/// Binds http.port, and https.port when set (over tls, which must then
	/// be given); throws StartupException naming the properties.
	void bind(TlsSupport* tls);

	const Settings& settings() const { return _settings; }
	Poco::UInt16 port() const { return _socket.address().port(); }
	/// 0 without https.port.
	Poco::UInt16 httpsPort() const { return _tlsSocket ? _tlsSocket->address().port() : 0; }

	/// Serves requests into the router; serverName goes in the Server header.
	void start(Poco::SharedPtr<HttpRouter> router, const std::string& serverName, MetricsRegistry& metrics);

	/// Refuses new connections and closes the listening sockets, so clients
	/// are turned away instead of waiting in the backlog.
	void stopAccepting();

	/// Ends the open connections: each after its current request, or at
	/// once (abort), which also ends handlers blocked on the network.
	void closeConnections(bool abort);

	/// Once no handler runs: waits for the server threads and the guard.
	void join();

private:
	Poco::Net::HTTPServerParams::Ptr serverParams(const std::string& serverName) const;
	void bindTls(TlsSupport& tls);
	void startThreads(Poco::SharedPtr<HttpRouter> router, Poco::Net::HTTPServerParams::Ptr params);
	void addMetrics(MetricsRegistry& metrics);

	Settings _settings;
	const SecuritySettings& _security;
	Poco::SharedPtr<HttpRouter> _router;
	Poco::Net::ServerSocket _socket;
	/// Only with https.port: made without a context, POCO would look for
	/// its own SSL configuration and refuse to start.
	std::unique_ptr<Poco::Net::ServerSocket> _tlsSocket; ///< a TLS server socket from TlsSupport
	/// Declared before the threads so that it outlives them: connections
	/// report to it until the pool has joined.
	std::unique_ptr<SlowClientGuard> _slowClients;
	std::unique_ptr<IdleConnections> _idle;
	std::unique_ptr<Poco::ThreadPool> _threads;
	Poco::SharedPtr<HttpConnections> _connections;
	/// Reference-counted by POCO; released in the destructor.
	Poco::Net::TCPServerDispatcher* _dispatcher = nullptr;
	std::unique_ptr<HttpAcceptor> _acceptor;
	std::unique_ptr<HttpAcceptor> _tlsAcceptor;
	std::unique_ptr<LoopHttpServer> _loopServer; ///< http.engine = loop
};

} // namespace p2p

#endif
