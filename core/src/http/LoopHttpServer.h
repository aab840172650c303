#ifndef P2P_LoopHttpServer_INCLUDED
#define P2P_LoopHttpServer_INCLUDED

#include "event/EventLoops.h"
#include "event/WorkerPool.h"
#include "http/HttpHead.h"
#include "http/RequestRates.h"
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <atomic>
#include <memory>
#include <string>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace p2p {

class HttpRouter;
class LoopConnection;

/// The node's plain-HTTP server on event loops (http.engine = loop): each
/// of http.io_threads loops accepts from the listening socket (one loop
/// woken per connection) and drives its connections (LoopConnection);
/// handlers whose route runs on the loop (Runs::Loop) answer there, the
/// others on a WorkerPool of http.min_threads to http.max_threads with
/// http.max_queued waiting. An idle or slow connection costs a descriptor
/// and a few kilobytes, never a thread.
///
/// Driven by HttpListeners from the node's main thread: start(), then
/// stopAccepting(), closeConnections(), join().
class LoopHttpServer
{
public:
	struct Settings
	{
		std::size_t ioThreads = 2;
		std::size_t minThreads = 2;
		std::size_t maxThreads = 64;
		std::size_t maxQueued = 256;
		std::size_t maxConnections = 10000;
		/// Of them, from one client address (0: no limit of its own).
		std::size_t maxConnectionsPerAddress = 2500;
		/// Requests a second from one client address, and how many at once
		/// beyond that (0: no limit). /health and /readyz are not counted.
		double maxRequestsPerSecondPerAddress = 0;
		/// Request heads one client address may have begun and not
		/// finished at once (0: no limit): what slowloris holds.
		std::size_t maxHeadsPerAddress = 128;
		double requestBurstPerAddress = 0;
		int maxKeepAliveRequests = 0;
		Poco::Timespan headerTimeout = Poco::Timespan(10, 0);
		Poco::Timespan keepAliveTimeout = Poco::Timespan(10, 0);
		int minBodyBytesPerSecond = 1024;
		HttpHeadParser::Limits limits;
	};

	LoopHttpServer(Settings settings, Poco::Net::ServerSocket& socket, HttpRouter& router,
	               Poco::Net::HTTPServerParams::Ptr params);
	~LoopHttpServer();

	LoopHttpServer(const LoopHttpServer&) = delete;
	LoopHttpServer& operator=(const LoopHttpServer&) = delete;

	void start();
	/// No more connections: the loops stop watching the listening socket.
	void stopAccepting();
	/// Ends the open connections: each after its current request, or at
	/// once (abort), which also fails the handlers' reads and writes.
	void closeConnections(bool abort);
	/// Once no handler runs: ends the workers and the loops.
	void join();

	// For connections, on their loop.
	const Settings& settings() const { return _settings; }
	HttpRouter& router() { return _router; }
	Poco::Net::HTTPServerParams::Ptr params() const { return _params; }
	/// Runs a handler on a worker; false when http.max_queued wait already.
	bool runOnWorker(WorkerPool::Task task) { return _workers.submit(std::move(task)); }
	void closed(EventLoop& loop, int fd);
	void countCutOff() { ++_cutOff; }
	void countMalformed() { ++_malformed; }
	/// Whether the client at address (raw address bytes) may send another
	/// request now; counts the refusal when not.
	bool admitRequest(const std::string& address);
	Poco::UInt64 rateLimited() const { return _rateLimited.load(); }
	/// A connection from address has part of a head; false (counted as
	/// rate-limited) when the address has all it may.
	bool startHead(const std::string& address);
	void endHead(const std::string& address);
	void countOverloaded() { ++_overloaded; }
	/// A connection starts (+1) or stops (-1) waiting for its next request.
	void idleChanged(int delta) { _idle += delta; }
	void countIdleClosed() { ++_idleClosed; }

	/// Connections cut off for a head, body or read too slow, so far.
	Poco::UInt64 slowClientsCut() const { return _cutOff.load(); }
	/// Requests refused for a malformed head, so far.
	Poco::UInt64 malformedRequests() const { return _malformed.load(); }
	/// Connections closed at once because http.max_connections were open,
	/// or http.max_connections_per_address from their address.
	Poco::UInt64 refusedConnections() const { return _refused.load(); }
	std::size_t openConnections() const { return _open.load(); }
	/// Connections waiting for their next request now.
	std::size_t idleConnections() const { return static_cast<std::size_t>(std::max<long>(_idle.load(), 0)); }
	/// Connections closed for waiting longer than the keep-alive (or header) time with nothing sent.
	Poco::UInt64 idleClosed() const { return _idleClosed.load(); }
	/// Requests answered 503 at once because http.max_queued waited for a worker.
	Poco::UInt64 overloaded() const { return _overloaded.load(); }
	/// Connections closed, while full, for a new one (shedOldestWaiting).
	Poco::UInt64 shedConnections() const { return _shed.load(); }

private:
	struct PerLoop
	{
		EventLoop* loop = nullptr;
		std::unordered_map<int, std::shared_ptr<LoopConnection>> connections; ///< its thread only
		bool accepting = false;
	};

	void accept(PerLoop& here);
	/// Full: closes here's connection that has waited longest for a head
	/// (idle between requests, or slow to send one), so that a new client
	/// is served rather than one that sends nothing; false when none waits.
	bool shedOldestWaiting(PerLoop& here);
	/// Counts a connection from key; false when its address has all it may.
	bool admitAddress(const std::string& key);
	void releaseAddress(const std::string& key);
	/// One more of address in counts, unless it has `limit` (0: no limit)
	/// already; under _addressesMutex, as uncountIn() takes it back.
	bool countIn(std::unordered_map<std::string, std::size_t>& counts, const std::string& address, std::size_t limit);
	void uncountIn(std::unordered_map<std::string, std::size_t>& counts, const std::string& address, std::size_t limit);

	Settings _settings;
	Poco::Net::ServerSocket& _socket;
	HttpRouter& _router;
	Poco::Net::HTTPServerParams::Ptr _params;
	WorkerPool _workers;
	EventLoops _loops;
	std::vector<std::unique_ptr<PerLoop>> _perLoop;
	bool _started = false;
	std::atomic<std::size_t> _open{0};
	std::mutex _addressesMutex;
	std::unordered_map<std::string, std::size_t> _byAddress; ///< open connections by client address
	std::unordered_map<std::string, std::size_t> _headsByAddress; ///< unfinished heads, under _addressesMutex
	std::atomic<Poco::UInt64> _cutOff{0}, _malformed{0}, _refused{0}, _overloaded{0}, _idleClosed{0}, _shed{0}, _rateLimited{0};
	RequestRates _rates;
	std::atomic<long> _idle{0};
};

} // namespace p2p

#endif
