#include "routing/HttpRouter.h"
#include "http/AnswerLaterImpl.h"
#include "security/AccessControl.h"
#include "routing/ErrorMapper.h"
#include "http/PacedBodyStream.h"
#include "http/SlowClientGuard.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include "p2p/LogText.h"
#include <Poco/Format.h>
#include <Poco/NumberFormatter.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/MediaType.h>
#include <Poco/Clock.h>
#include <Poco/String.h>
#include <Poco/Thread.h>
#include <Poco/UUIDGenerator.h>

namespace p2p {

namespace {

class DispatchHandler: public Poco::Net::HTTPRequestHandler
{
public:
	/// Made once a request's head is in, destroyed once its answer is out:
	/// the span the slow-client guard leaves alone.
	explicit DispatchHandler(HttpRouter& router): _router(router) { SlowClientGuard::requestStarted(); }
	~DispatchHandler() override { SlowClientGuard::requestFinished(); }

	void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override
	{
		_router.dispatch(request, response);
	}

private:
	HttpRouter& _router;
};

/// Counts a request in flight for as long as it is alive.
class InFlightGuard
{
public:
	explicit InFlightGuard(std::atomic<int>& count): _count(count) { ++_count; }
	~InFlightGuard() { --_count; }

private:
	std::atomic<int>& _count;
};

bool hasBody(const Poco::Net::HTTPServerRequest& request)
{
	return request.getChunkedTransferEncoding() || (request.hasContentLength() && request.getContentLength64() > 0);
}

bool isAcceptableRequestId(const std::string& id)
{
	if (id.empty() || id.size() > 128) return false;
	for (unsigned char c : id)
	{
		if (c <= 0x20 || c >= 0x7f) return false;
	}
	return true;
}

bool isJsonMediaType(const std::string& contentType)
{
	Poco::Net::MediaType type(contentType);
	const std::string subType = Poco::toLower(type.getSubType());
	return Poco::icompare(type.getType(), "application") == 0 &&
	       (subType == "json" || (subType.size() > 5 && subType.compare(subType.size() - 5, 5, "+json") == 0));
}

} // namespace

HttpRouter::HttpRouter(Settings settings, MetricsRegistry& metrics):
	_settings(settings),
	_metrics(metrics),
	_accessLogger(Poco::Logger::get("http.access")),
	_logger(Poco::Logger::get("http")),
	// A random prefix per process keeps ids unique across nodes and restarts
	// while each request only pays for an atomic increment.
	_requestIdPrefix(Poco::UUIDGenerator::defaultGenerator().createRandom().toString().substr(0, 8))
{
}

HttpRouter::~HttpRouter() = default;

void HttpRouter::add(const std::string& method, const std::string& pattern, Handler handler, RouteOptions options)
{
	if (_frozen) throw Poco::IllegalStateException("route " + method + " " + pattern + " added after the server started");
	const Route& route = _table.add(method, pattern, std::move(handler), options);
	auto stats = std::make_unique<RouteStats>();
	stats->label = route.method + " " + route.pattern;
	_stats.push_back(std::move(stats));
}

void HttpRouter::protect(std::shared_ptr<const AccessControl> access)
{
	if (_frozen) throw Poco::IllegalStateException("access control set after the server started");
	_access = std::move(access);
}

void HttpRouter::freeze()
{
	auto unmatched = std::make_unique<RouteStats>();
	unmatched->label = "unmatched";
	_stats.push_back(std::move(unmatched));
	for (auto& stats : _stats)
	{
		stats->seconds = &_metrics.histogram("p2p_http_request_seconds", "Time to answer an HTTP request, by route.",
		                                     {{"route", stats->label}}, Histogram::latencyBounds());
	}
	_frozen = true;
}

Poco::Net::HTTPRequestHandler* HttpRouter::createRequestHandler(const Poco::Net::HTTPServerRequest&)
{
	return new DispatchHandler(*this);
}

bool HttpRouter::waitUntilIdle(Poco::Timespan timeout) const
{
	const Poco::Clock started;
	while (_inFlight.load() > 0)
	{
		if (started.elapsed() >= timeout.totalMicroseconds()) return false;
		Poco::Thread::sleep(10);
	}
	return true;
}

std::string HttpRouter::requestIdFor(const Poco::Net::HTTPServerRequest& request)
{
	const std::string given = request.get("X-Request-Id", ""); // a copy: get() may return its default, a temporary
	if (isAcceptableRequestId(given)) return given;
	return _requestIdPrefix + "-" + Poco::NumberFormatter::formatHex(++_requestSeq, 6);
}

HttpRouter::RouteStats& HttpRouter::statsFor(const Route* route)
{
	return route ? *_stats[route->index] : *_stats.back();
}

void HttpRouter::record(RouteStats& stats, int status, double seconds)
{
	const auto known = std::lower_bound(kStatuses.begin(), kStatuses.end(), status);
	std::atomic<Counter*>* slot =
		known != kStatuses.end() && *known == status ? &stats.byStatus[static_cast<std::size_t>(known - kStatuses.begin())] : nullptr;
	Counter* counter = slot ? slot->load(std::memory_order_acquire) : nullptr;
	if (!counter)
	{
		// First request with this status on this route: the registry locks,
		// and hands every thread the same counter.
		counter = &_metrics.counter("p2p_http_requests_total", "HTTP requests answered, by route and status.",
		                            {{"route", stats.label}, {"status", std::to_string(status)}});
		if (slot) slot->store(counter, std::memory_order_release);
	}
	counter->inc();
	if (stats.seconds) stats.seconds->observe(seconds);
}

std::string HttpRouter::readWholeBody(Request& request, std::streamsize limit, bool json)
{
	Poco::Net::HTTPServerRequest& http = request.http();
	const std::string& contentType = http.getContentType();
	// A missing type is taken as JSON: old clients (and the seed's) send
	// JSON without saying so. A type that says something else is refused.
	if (json && !contentType.empty() && !isJsonMediaType(contentType))
		throw UnsupportedMediaTypeException("Content-Type must be application/json, not '" + contentType + "'");
	if (http.hasContentLength())
	{
		if (http.getContentLength64() > limit)
			throw PayloadTooLargeException(Poco::format("request body is %Ld bytes; the limit is %Ld bytes",
			                                            static_cast<Poco::Int64>(http.getContentLength64()),
			                                            static_cast<Poco::Int64>(limit)));
	}
	else if (!http.getChunkedTransferEncoding())
	{
		throw LengthRequiredException(std::string(json ? "a JSON body" : "a body") + " needs a Content-Length header (or chunked transfer encoding)");
	}
	std::string body;
	char buffer[8192];
	std::istream& in = request.body();
	while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0)
	{
		body.append(buffer, static_cast<std::size_t>(in.gcount()));
		if (static_cast<std::streamsize>(body.size()) > limit)
			throw PayloadTooLargeException(Poco::format("request body exceeds the limit of %Ld bytes", static_cast<Poco::Int64>(limit)));
	}
	if (http.hasContentLength() && static_cast<Poco::Int64>(body.size()) < http.getContentLength64())
		throw BadRequestException(Poco::format("request body ended after %z of %Ld bytes", body.size(),
		                                       static_cast<Poco::Int64>(http.getContentLength64())));
	if (json && body.empty()) throw BadRequestException("request body is empty; expected a JSON document");
	return body;
}

void HttpRouter::drainBody(Poco::Net::HTTPServerRequest& request)
{
	// Closing a socket with unread input makes the kernel send a reset,
	// which can overtake the error answer we just sent. Read a bounded
	// amount so the client gets to see why it was refused.
	try
	{
		PacedBodyStream in(request.stream());
		char buffer[8192];
		std::streamsize left = _settings.maxDrainBytes;
		while (left > 0 && (in.read(buffer, sizeof(buffer)) || in.gcount() > 0)) left -= in.gcount();
	}
	catch (const Poco::Exception&)
	{
		// The client went away or timed out: nothing left to protect.
	}
}

void HttpRouter::sendError(Poco::Net::HTTPServerResponse& response, int status, const std::string& sentence,
                           const std::string& requestId, const std::vector<std::string>& allowed)
{
	auto body = json::object();
	body->set("error", sentence);
	body->set("status", status);
	body->set("request_id", requestId);
	if (!allowed.empty())
	{
		Poco::JSON::Array::Ptr methods = new Poco::JSON::Array;
		for (const auto& method : allowed) methods->add(method);
		body->set("allowed", methods);
		response.set("Allow", Poco::cat(std::string(", "), allowed.begin(), allowed.end()));
	}
	Response(response).json(body, status);
}

void HttpRouter::answerError(Poco::Net::HTTPServerRequest& http, Poco::Net::HTTPServerResponse& response, int status,
                             const std::string& sentence, const std::string& requestId, bool bodyUnread)
{
	if (response.sent())
	{
		_logger.warning("request %s %s %s failed after its answer had started: %s", requestId, http.getMethod(),
		                http.getURI(), sentence);
		// Too late to say so in the headers, but the server still closes
		// the connection rather than read leftovers as a request.
		if (bodyUnread) response.setKeepAlive(false);
		return;
	}
	if (bodyUnread) response.setKeepAlive(false);
	sendError(response, status, sentence, requestId);
}

HttpRouter::Plan HttpRouter::plan(const std::string& method, const std::string& target) const
{
	Plan plan;
	try
	{
		const RouteMatch match = _table.match(method, target.substr(0, target.find('?')));
		if (match.outcome != RouteMatch::Outcome::Found) return plan;
		plan.body = match.route->options.body;
		plan.maxBodyBytes = match.route->options.maxBodyBytes > 0 ? match.route->options.maxBodyBytes : _settings.maxBodyBytes;
		plan.runs = match.route->options.runs;
	}
	catch (const Poco::Exception&)
	{
		// A path that does not decode: dispatch() answers it.
	}
	return plan;
}

void HttpRouter::dispatch(Poco::Net::HTTPServerRequest& http, Poco::Net::HTTPServerResponse& response)
{
	InFlightGuard inFlight(_inFlight);
	const Poco::Clock started; // monotonic, and copyable into a late answer's record
	const std::string requestId = requestIdFor(http);
	response.set("X-Request-Id", requestId);

	const Route* route = nullptr;
	// A body nobody reads would be parsed as the next request on a
	// keep-alive connection: such connections are closed after the answer.
	const bool requestHasBody = hasBody(http);
	bool bodyRead = false;
	try
	{
		const std::string& uri = http.getURI();
		const std::string path = uri.substr(0, uri.find('?'));
		RouteMatch match = _table.match(http.getMethod(), path);
		if (match.outcome == RouteMatch::Outcome::NoSuchPath)
			throw Poco::NotFoundException("no endpoint " + path + " on this node");
		if (match.outcome == RouteMatch::Outcome::MethodNotAllowed)
		{
			if (requestHasBody) response.setKeepAlive(false);
			sendError(response, Poco::Net::HTTPResponse::HTTP_METHOD_NOT_ALLOWED,
			          "method " + http.getMethod() + " is not allowed on " + path, requestId, match.allowed);
		}
		else
		{
			route = match.route;
			Request request(http, route->pattern, std::move(match.params), requestId);
			Response answer(response);
			AccessControl::Admission admission;
			if (_access) admission = _access->admit(http, route->options);
			if (route->options.body == Body::Json || route->options.body == Body::Bytes)
			{
				const bool isJson = route->options.body == Body::Json;
				std::string body = readWholeBody(
					request, route->options.maxBodyBytes > 0 ? route->options.maxBodyBytes : _settings.maxBodyBytes, isJson);
				bodyRead = true;
				// Checked before parsing: a stranger's JSON is not even parsed.
				if (_access) _access->checkBody(http, admission, body);
				if (isJson)
					request.setJson(json::parse(body));
				else
					request.setContent(std::move(body));
			}
			else if (route->options.body == Body::None && requestHasBody)
			{
				response.setKeepAlive(false);
			}
			request.setFromNode(!_access || _access->fromNode(admission));
			route->handler(request, answer);
			// A streaming handler that answered has read what it needed.
			if (route->options.body == Body::Stream) bodyRead = true;
		}
	}
	catch (const Poco::Exception& exc)
	{
		auto* server = dynamic_cast<AnswersLater*>(&response);
		if (server && server->deferred())
		{
			// Thrown after it took the answer for later: the error is the
			// answer, unless a late one came already (the first wins).
			server->later()->fail(exc);
		}
		else
		{
			const auto [status, sentence] = ErrorMapper::forClient(exc, requestId, http.getMethod() + " " + http.getURI());
			if (status == Poco::Net::HTTPResponse::HTTP_UNAUTHORIZED && _access && _access->asksClientsForTokens())
				response.set("WWW-Authenticate", "Bearer realm=\"p2p-node\"");
			answerError(http, response, status, sentence, requestId, requestHasBody && !bodyRead);
		}
	}
	catch (const std::exception& exc)
	{
		_logger.error("request %s %s %s failed: %s", requestId, printable(http.getMethod()), printable(http.getURI()),
		              printable(exc.what()));
		answerError(http, response, Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR, ErrorMapper::internalErrorSentence(requestId),
		            requestId, requestHasBody && !bodyRead);
	}
	if (requestHasBody && !response.getKeepAlive()) drainBody(http);

	// An answer that comes later is recorded when it does.
	RouteStats& stats = statsFor(route);
	auto* server = dynamic_cast<AnswersLater*>(&response);
	if (server && server->deferred())
	{
		// In flight until answered: stopping waits for it before plugins,
		// whose code the answer runs, are unloaded.
		++_inFlight;
		server->whenAnswered([this, &stats, &response, started, requestId, client = http.clientAddress().toString(),
		                      method = http.getMethod(), uri = http.getURI(), version = http.getVersion()]() mutable {
			finishRecord(stats, response, started, requestId, client, method, uri, version);
			--_inFlight;
		});
		return;
	}
	finishRecord(stats, response, started, requestId, http.clientAddress().toString(), http.getMethod(), http.getURI(),
	             http.getVersion());
}

void HttpRouter::finishRecord(RouteStats& stats, Poco::Net::HTTPServerResponse& response, const Poco::Clock& started,
                              const std::string& requestId, const std::string& client, const std::string& method,
                              const std::string& uri, const std::string& version)
{
	const double seconds = static_cast<double>(started.elapsed()) / 1e6;
	const int status = static_cast<int>(response.getStatus());
	record(stats, status, seconds);
	if (_settings.accessLog && _accessLogger.information())
	{
		_accessLogger.information("%s \"%s %s %s\" %d %Ld %.3fms id=%s", client, printable(method), printable(uri),
		                          printable(version), status,
		                          static_cast<Poco::Int64>(response.getContentLength64()), seconds * 1e3, requestId);
	}
}

} // namespace p2p
