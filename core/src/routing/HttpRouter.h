#ifndef P2P_HttpRouter_INCLUDED
#define P2P_HttpRouter_INCLUDED

#include "routing/RouteTable.h"
#include "p2p/Metrics.h"
#include "p2p/Router.h"
#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Clock.h>
#include <Poco/Timespan.h>
#include <array>
#include <atomic>
#include <memory>
#include <vector>

namespace p2p {

class AccessControl;

/// The node's HTTPRequestHandlerFactory: dispatches every request to the
/// route that matches it and owns the policies common to all routes: JSON
/// bodies (415/413/411/400), 404/405 with Allow, request ids, the mapping
/// of exceptions to JSON error answers, who may call what (AccessControl),
/// the access log and the request metrics.
///
/// Threads: add() on the main thread before freeze(); dispatch() on any
/// HTTP server thread after it. The route table is immutable once frozen,
/// so dispatch takes no lock; metrics are atomics.
class HttpRouter: public Router, public Poco::Net::HTTPRequestHandlerFactory
{
public:
	struct Settings
	{
		std::streamsize maxBodyBytes = 1024 * 1024; ///< http.max_body_bytes
		bool accessLog = true;                      ///< http.access_log
		/// How much of a rejected body is read and discarded so the client
		/// sees the error instead of a connection reset.
		std::streamsize maxDrainBytes = 4 * 1024 * 1024;
	};

	HttpRouter(Settings settings, MetricsRegistry& metrics);
	~HttpRouter() override;

	void add(const std::string& method, const std::string& pattern, Handler handler, RouteOptions options = {}) override;

	/// Who may call what; before freeze(). Without it every route is open.
	void protect(std::shared_ptr<const AccessControl> access);

	/// No more routes; called just before the server starts.
	void freeze();

	Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;

	void dispatch(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

	/// What the event-loop server needs to know of a request before its
	/// body: how the route takes the body, within what limit, and where its
	/// handler runs. A path or method without a route plans as no body on a
	/// worker, which answers 404 or 405.
	struct Plan
	{
		Body body = Body::None;
		std::streamsize maxBodyBytes = 0;
		Runs runs = Runs::Worker;
	};
	Plan plan(const std::string& method, const std::string& target) const;

	/// Requests being handled right now.
	int inFlight() const { return _inFlight.load(); }

	/// Waits until no request is being handled; false after the timeout.
	bool waitUntilIdle(Poco::Timespan timeout) const;

private:
	/// The statuses a node answers with, each a slot in RouteStats (others
	/// find their counter in the registry, under its lock).
	static constexpr std::array<int, 44> kStatuses{100, 101, 200, 201, 202, 204, 206, 301, 302, 304, 307, 308, 400, 401, 403,
	                                               404, 405, 406, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 421, 422,
	                                               425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 507, 508};

	/// Counters of one route, looked up lazily per status and kept, so a
	/// request costs a few atomic operations and no lock. A slot per known
	/// status rather than per number: 44 pointers a route, not 600 (a node
	/// has 30 routes, and a machine may run a thousand nodes).
	struct RouteStats
	{
		std::string label;
		Histogram* seconds = nullptr;
		std::array<std::atomic<Counter*>, kStatuses.size()> byStatus{};
	};

	std::string requestIdFor(const Poco::Net::HTTPServerRequest& request);
	/// The body of a Json or Bytes route, within limit (JSON: of a JSON type, not empty).
	static std::string readWholeBody(Request& request, std::streamsize limit, bool json);
	void sendError(Poco::Net::HTTPServerResponse& response, int status, const std::string& sentence,
	               const std::string& requestId, const std::vector<std::string>& allowed = {});
	void answerError(Poco::Net::HTTPServerRequest& http, Poco::Net::HTTPServerResponse& response, int status,
	                 const std::string& sentence, const std::string& requestId, bool bodyUnread);
	void drainBody(Poco::Net::HTTPServerRequest& request);
	void record(RouteStats& stats, int status, double seconds);
	/// The metrics and the access log line of an answered request.
	void finishRecord(RouteStats& stats, Poco::Net::HTTPServerResponse& response, const Poco::Clock& started,
	                  const std::string& requestId, const std::string& client, const std::string& method,
	                  const std::string& uri, const std::string& version);
	RouteStats& statsFor(const Route* route);

	Settings _settings;
	MetricsRegistry& _metrics;
	Poco::Logger& _accessLogger;
	Poco::Logger& _logger;
	RouteTable _table;
	std::shared_ptr<const AccessControl> _access;
	std::vector<std::unique_ptr<RouteStats>> _stats; ///< by Route::index, then one for unmatched requests
	std::atomic<bool> _frozen{false};
	std::atomic<int> _inFlight{0};
	std::atomic<Poco::UInt64> _requestSeq{0};
	std::string _requestIdPrefix;
};

} // namespace p2p

#endif
