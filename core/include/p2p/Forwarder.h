#ifndef P2P_Forwarder_INCLUDED
#define P2P_Forwarder_INCLUDED

#include "p2p/Export.h"

#include "p2p/Placement.h"
#include "p2p/ServiceRegistry.h"
#include <string>
#include <utility>
#include <vector>

namespace p2p {

class Request;
class Response;

/// Sends a client's request on to the nodes that own its data: the service
/// the dht-router plugin provides under Forwarder::kServiceName, so that any
/// node accepts any key. Thread-safe; called on HTTP server threads.
///
/// Each forward adds one to the request's hop counter (kHopsHeader); a node
/// that receives a forwarded request and, by its own view of the ring, is
/// not the owner forwards again, so nodes whose views differ for a moment
/// still reach the owner, and the limit (dht.max_hops) ends loops.
class P2P_API Forwarder: public Service
{
public:
	static constexpr const char* kServiceName = "forwarder";
	/// How many times a request has been forwarded so far.
	static constexpr const char* kHopsHeader = "X-P2P-Hops";
	/// On a relayed answer: the id of the node that answered.
	static constexpr const char* kAnsweredByHeader = "X-P2P-Answered-By";
	/// On a relayed request: the id of the node that sent it on.
	static constexpr const char* kForwardedByHeader = "X-P2P-Forwarded-By";

	~Forwarder() override;

	struct Options
	{
		/// Sent along with the request, beside the forwarder's own headers.
		std::vector<std::pair<std::string, std::string>> headers;
		/// Whether the request may reach more than one target: a GET, or a
		/// write whose version the caller fixed (every owner that takes it
		/// stores the same one). Such a request goes to the next target
		/// too when the first is slow to answer (hedged, after
		/// PeerClient::hedgeDelay()), and after a timeout; any other write
		/// goes to one target at a time and is never resent after a
		/// timeout, since the target may still apply it.
		bool repeatable = false;
	};

	/// Relays request (method, path, query, and the parsed body of a JSON
	/// route) to the first of targets that answers, in order, and copies
	/// that answer (status, Content-Type, body) into response; a target that
	/// cannot be reached or times out is skipped for the next. Throws
	/// LoopDetectedException (508) when the request has already been
	/// forwarded dht.max_hops times, ServiceUnavailableException (503)
	/// naming every target tried when none answered. GET and HEAD are
	/// always repeatable.
	virtual void forward(Request& request, Response& response, const std::vector<Placement::Owner>& targets,
	                     const Options& options) = 0;
	void forward(Request& request, Response& response, const std::vector<Placement::Owner>& targets)
	{
		forward(request, response, targets, Options());
	}
};

} // namespace p2p

#endif
