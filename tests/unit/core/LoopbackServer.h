#ifndef P2P_Test_LoopbackServer_INCLUDED
#define P2P_Test_LoopbackServer_INCLUDED

#include "routing/HttpRouter.h"
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <memory>

namespace p2p::test {

/// An HttpRouter behind a real POCO HTTP server on a free 127.0.0.1 port,
/// for unit tests of the router and of clients. Add routes to router(),
/// then start(); the destructor waits for handlers still running (one left
/// running at process exit would touch POCO's statics after they are gone).
class LoopbackServer
{
public:
	explicit LoopbackServer(HttpRouter::Settings settings = quiet())
	{
		_router = new HttpRouter(settings, _metrics);
	}

	~LoopbackServer()
	{
		if (!_server) return;
		_router->waitUntilIdle(Poco::Timespan(10, 0));
		_server->stopAll(true);
	}

	HttpRouter& router() { return *_router; }
	MetricsRegistry& metrics() { return _metrics; }

	void start()
	{
		_router->freeze();
		Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
		_port = socket.address().port();
		_server = std::make_unique<Poco::Net::HTTPServer>(_router, socket, new Poco::Net::HTTPServerParams);
		_server->start();
	}

	Poco::UInt16 port() const { return _port; }
	std::string url() const { return "http://127.0.0.1:" + std::to_string(_port); }
	Poco::Net::HTTPServer& server() { return *_server; }

	static HttpRouter::Settings quiet()
	{
		HttpRouter::Settings settings;
		settings.accessLog = false;
		return settings;
	}

private:
	MetricsRegistry _metrics;
	Poco::SharedPtr<HttpRouter> _router;
	std::unique_ptr<Poco::Net::HTTPServer> _server;
	Poco::UInt16 _port = 0;
};

} // namespace p2p::test

#endif
