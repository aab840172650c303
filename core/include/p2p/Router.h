#ifndef P2P_Router_INCLUDED
#define P2P_Router_INCLUDED

#include "p2p/Export.h"

#include "p2p/Request.h"
#include "p2p/Response.h"
#include <functional>
#include <string>

namespace p2p {

/// What the router does with a request body before the handler runs.
enum class Body
{
	/// The route takes no body; one that is sent is discarded (up to 4 MiB,
	/// so the client sees the answer) and the connection is closed so it
	/// cannot be mistaken for the next request.
	None,
	/// A JSON document: a Content-Type, when given, must be JSON (415; a
	/// missing one is accepted), the length must be within the route's
	/// limit (413, checked before reading), and it must parse (400). The
	/// handler finds it in Request::json().
	Json,
	/// The handler reads Request::body() itself (uploads, proxying).
	Stream,
	/// The body as it came, whatever its type: read whole within the
	/// route's limit (413, checked before reading) and, like JSON, checked
	/// against its cluster signature. The handler finds it in
	/// Request::content(). For compact formats between nodes.
	Bytes
};

/// Who may call a route. The router checks before the handler runs, and
/// before it reads the body.
enum class Access
{
	/// Clients, and other nodes. With http.auth.token or http.auth.jwt_secret
	/// set, a client needs a bearer credential (401 otherwise); a node's
	/// request signed with cluster.secret passes without one.
	Client,
	/// Other nodes only (replica traffic, gossip, registration). With
	/// cluster.secret set, an unsigned, wrongly signed or stale request is
	/// refused with 401 and never reaches the handler.
	Peer,
	/// Anyone, always: health checks.
	Public
};

/// Where a route's handler runs on the event-loop server (http.engine = loop).
enum class Runs
{
	/// On a worker thread: the handler may block (on disk, on other nodes,
	/// on a body that streams in).
	Worker,
	/// On the connection's event loop, once the body is in: for a handler
	/// that answers from memory at once and never blocks, since no other
	/// connection of its loop is served while it runs. Saves the hand-over
	/// to a worker and back.
	Loop
};

struct P2P_API RouteOptions
{
	Body body = Body::None;
	/// Body limit in bytes for Body::Json and Body::Bytes; 0 means http.max_body_bytes.
	std::streamsize maxBodyBytes = 0;
	Access access = Access::Client;
	Runs runs = Runs::Worker;
};

/// Called on an HTTP server thread, possibly on many threads at once.
using Handler = std::function<void(Request&, Response&)>;

/// Where plugins register their endpoints, in start(). A pattern is a path
/// whose segments are literals or {name} parameters, e.g. "/kv/{key}"; a
/// parameter matches one non-empty segment and arrives URL-decoded, so
/// "/kv/a%2Fb" gives key "a/b". A literal segment wins over a parameter.
/// HEAD is served by the GET handler. Routes cannot be added once the
/// node's HTTP server has started.
class P2P_API Router
{
public:
	virtual ~Router();

	/// Throws Poco::ExistsException when the method and pattern are taken,
	/// Poco::InvalidArgumentException for a malformed pattern.
	virtual void add(const std::string& method, const std::string& pattern, Handler handler,
	                 RouteOptions options = {}) = 0;
};

} // namespace p2p

#endif
