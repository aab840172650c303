#include "RequestForwarder.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include "p2p/Request.h"
#include "p2p/Response.h"
#include <Poco/NumberParser.h>
#include <algorithm>
#include <memory>
#include <mutex>

namespace p2p::dhtrouter {

RequestForwarder::RequestForwarder(PeerClient& peers, std::string selfId, int maxHops,
                                   std::shared_ptr<const RingPlacement> placement):
	_peers(peers),
	_selfId(std::move(selfId)),
	_maxHops(maxHops),
	_placement(std::move(placement))
{
}

namespace {

/// Adds "id (why)" to the list of targets that failed, for the 503's sentence.
void noteFailure(std::string& tried, const std::string& id, const std::string& why)
{
	tried += (tried.empty() ? "" : "; ") + id + " (" + why + ")";
}

/// The answer when no target answered; tried lists those that failed.
ServiceUnavailableException noOwnerAnswered(const std::string& tried)
{
	if (tried.empty()) return ServiceUnavailableException("no other node owns this key, and this node cannot serve it");
	return ServiceUnavailableException("no node that owns this key answered; tried " + tried);
}

} // namespace

struct RequestForwarder::Relay: std::enable_shared_from_this<Relay>
{
	Relay(PeerClient& peers, AnswerLater later): peers(peers), later(std::move(later)) {}

	/// Sends to the next target; runs again from the loop when one fails,
	/// and when a repeatable request's hedge delay passes unanswered.
	void tryNext()
	{
		std::lock_guard<std::recursive_mutex> lock(mutex);
		if (done) return;
		while (next < targets.size() && targets[next].id == selfId) ++next; // the caller serves itself
		if (next == targets.size())
		{
			if (inFlight == 0) finish(noOwnerAnswered(tried));
			return;
		}
		const Placement::Owner target = targets[next++];
		++inFlight;
		const std::size_t sent = ++sends;
		auto self = shared_from_this();
		// Not over https: such a send blocks its thread (the loops do not
		// speak TLS), and a hedge would run one on the loop.
		if (repeatable && next < targets.size() && target.url.compare(0, 8, "https://") != 0)
		{
			// Only if nothing went out since: a failure that moved on to the
			// next target already started that target's own clock.
			later.after(peers.hedgeDelay(), [self, sent] {
				std::lock_guard<std::recursive_mutex> lock(self->mutex);
				if (!self->done && self->sends == sent) self->tryNext();
			});
		}
		try
		{
			peers.sendAsync(later, target.url, method, uri, body, "application/json", headers,
			                [self, target](PeerResponse* answer, const Poco::Exception* error) { self->answered(target, answer, error); });
		}
		catch (const Poco::Exception& exc)
		{
			--inFlight;
			noteFailure(tried, target.id, exc.message());
			tryNext();
		}
	}

	void answered(const Placement::Owner& target, PeerResponse* answer, const Poco::Exception* error)
	{
		std::lock_guard<std::recursive_mutex> lock(mutex);
		--inFlight;
		if (done) return; // another target answered first
		if (answer)
		{
			done = true;
			later.send(answer->body, answer->contentType.empty() ? "application/json" : answer->contentType, answer->status,
			           {{Forwarder::kAnsweredByHeader, target.id}});
			return;
		}
		// The owner may still apply a write it did not answer in time:
		// sending it to the next one too could make a second version.
		if (dynamic_cast<const GatewayTimeoutException*>(error) && !repeatable)
		{
			finish(*error);
			return;
		}
		noteFailure(tried, target.id, error->message());
		tryNext();
	}

	/// Caller holds mutex.
	void finish(const Poco::Exception& error)
	{
		done = true;
		later.fail(error);
	}

	PeerClient& peers;
	AnswerLater later;
	std::vector<Placement::Owner> targets;
	std::string selfId, method, uri, body;
	PeerClient::Headers headers;
	bool repeatable = false;

	/// Recursive: a send that fails at once reports from inside sendAsync().
	std::recursive_mutex mutex;
	std::size_t next = 0;
	std::size_t inFlight = 0;
	std::size_t sends = 0;
	bool done = false;
	std::string tried;
};

int RequestForwarder::hopsOf(Request& request)
{
	const std::string header = request.http().get(kHopsHeader, "0"); // a copy: get() may return its temporary default
	unsigned hops = 0;
	if (!Poco::NumberParser::tryParseUnsigned(header, hops) || hops > 1000)
		throw BadRequestException(std::string("header ") + kHopsHeader + " must be a small whole number, not '" + header + "'");
	return static_cast<int>(hops);
}

void RequestForwarder::forward(Request& request, Response& response, const std::vector<Placement::Owner>& owners,
                               const Options& options)
{
	// Copied only when someone is suspect: the common case costs nothing.
	std::vector<Placement::Owner> reordered;
	if (const auto suspects = _placement ? _placement->suspects() : nullptr; suspects && !suspects->empty())
	{
		reordered = owners;
		std::stable_partition(reordered.begin(), reordered.end(),
		                      [&](const Placement::Owner& owner) { return !suspects->count(owner.id); });
	}
	const std::vector<Placement::Owner>& targets = reordered.empty() ? owners : reordered;
	const int hops = hopsOf(request);
	if (hops >= _maxHops)
		throw LoopDetectedException("the request was forwarded " + std::to_string(hops) +
		                            " times without reaching the node that owns it (dht.max_hops = " +
		                            std::to_string(_maxHops) + "); the network's views of the ring disagree");

	// A JSON route's body goes on re-encoded (it was parsed and checked
	// here already); null parses to an empty value, so say so explicitly.
	const std::string& method = request.method();
	const bool repeatable = method == "GET" || method == "HEAD" || options.repeatable;
	const bool hasBody = method == "POST" || method == "PUT" || method == "PATCH";
	const std::string body = !hasBody ? std::string() : request.json().isEmpty() ? "null" : json::stringify(request.json());
	const std::string& uri = request.http().getURI(); // path and query as the client sent them
	PeerClient::Headers headers{{kHopsHeader, std::to_string(hops + 1)}, {"X-Request-Id", request.requestId()},
	                            {kForwardedByHeader, _selfId}};
	headers.insert(headers.end(), options.headers.begin(), options.headers.end());
	if (response.canAnswerLater())
	{
		auto relay = std::make_shared<Relay>(_peers, response.later());
		relay->targets = targets;
		relay->selfId = _selfId;
		relay->method = method;
		relay->uri = uri;
		relay->body = body;
		relay->headers = std::move(headers);
		relay->repeatable = repeatable;
		relay->tryNext();
		return;
	}
	std::string tried;
	for (const auto& target : targets)
	{
		if (target.id == _selfId) continue; // the caller serves itself
		try
		{
			const PeerResponse answer = _peers.send(target.url, method, uri, body, "application/json", headers);
			response.http().set(kAnsweredByHeader, target.id);
			response.send(answer.body, answer.contentType.empty() ? "application/json" : answer.contentType, answer.status);
			return;
		}
		catch (const BadGatewayException& exc)
		{
			noteFailure(tried, target.id, exc.message());
		}
		catch (const GatewayTimeoutException& exc)
		{
			// The owner may still apply a write it did not answer in time:
			// sending it to the next one too could make a second version.
			if (!repeatable) throw;
			noteFailure(tried, target.id, exc.message());
		}
	}
	throw noOwnerAnswered(tried);
}

} // namespace p2p::dhtrouter
