#ifndef P2P_PeerClient_INCLUDED
#define P2P_PeerClient_INCLUDED

#include "p2p/Export.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/Net/HTTPResponse.h>
#include "p2p/Response.h"
#include <functional>
#include <istream>
#include <Poco/Timespan.h>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace p2p {

struct P2P_API PeerResponse
{
	int status = 0;
	std::string body;
	std::string contentType;
	std::string etag; ///< the answer's ETag header, if any
	/// The exchange's size on the wire above TCP: request head and body
	/// sent, answer head and body received (for traffic metrics).
	std::size_t bytesSent = 0;
	std::size_t bytesReceived = 0;
};

/// HTTP to other nodes over pooled keep-alive connections. Thread-safe: a
/// connection is used by one request at a time and returned to its peer's
/// pool afterwards, at most maxIdlePerPeer kept per peer.
///
/// Errors are thrown as what the caller's own client should see:
/// BadGatewayException when the peer cannot be reached or breaks the
/// connection, GatewayTimeoutException when it does not answer in time. An
/// answer with any HTTP status is returned, not thrown. A request that fails
/// on a pooled connection the peer had already closed is retried once on a
/// fresh one, so callers should keep requests idempotent.
///
/// Peers are reached over https when their URL says so (certificates are
/// verified, https.ca_file), and every request is signed with the node's
/// cluster.secret when one is set, so the peer can tell it from a stranger's.
class P2P_API PeerClient
{
public:
	struct Settings
	{
		Poco::Timespan connectTimeout = Poco::Timespan(2, 0);
		Poco::Timespan requestTimeout = Poco::Timespan(5, 0);
		/// Shorter than the servers' keep-alive timeout, so we drop an idle
		/// connection before the peer does.
		Poco::Timespan keepAlive = Poco::Timespan(5, 0);
		/// 0: no pooling, every request on its own connection
		/// (Connection: close), for rare background requests to a node
		/// that many others talk to, where an idle connection would hold
		/// one of its server threads.
		std::size_t maxIdlePerPeer = 4;
		/// sendAsync()'s GET and HEAD requests to one peer in flight on one
		/// connection at once (HTTP/1.1 pipelining); 1: one per connection.
		std::size_t pipelineDepth = 16;
		/// Larger answers are refused (BadGatewayException) rather than held.
		std::streamsize maxResponseBytes = 16 * 1024 * 1024;
	};

	/// Extra request headers, e.g. the DHT's hop counter.
	using Headers = std::vector<std::pair<std::string, std::string>>;

	/// The hex SHA-256 of a streamed body, when the caller knows it before
	/// sending (a file copied from disk): given among stream()'s headers,
	/// the cluster signature covers it, and the receiver checks the bytes
	/// it got against it. Without it a streamed body is signed as
	/// UNSIGNED-PAYLOAD.
	static constexpr const char* kBodyHashHeader = "X-P2P-Body-SHA256";
	/// What kBodyHashHeader says of a streamed body nobody hashed first.
	static constexpr const char* kUnsignedPayload = "UNSIGNED-PAYLOAD";

	/// Unsigned, http only: for tools and tests. The node's own client,
	/// which signs and speaks https, is NodeContext::peers().
	PeerClient();
	explicit PeerClient(Settings settings);
	/// Other settings, but signing and TLS like `sameSecurityAs`: for a
	/// plugin that needs its own timeouts or no pooling.
	PeerClient(Settings settings, const PeerClient& sameSecurityAs);
	~PeerClient();

	/// baseUrl: "http(s)://host:port" of the peer; path: "/register" etc.
	PeerResponse send(const std::string& baseUrl, const std::string& method, const std::string& path,
	                  const std::string& body = "", const std::string& contentType = "application/json",
	                  const Headers& headers = {});

	/// Sends value as JSON.
	PeerResponse sendJson(const std::string& baseUrl, const std::string& method, const std::string& path,
	                      const Poco::Dynamic::Var& value);

	/// Called with the head and the body stream of a streamed answer.
	using AnswerReader = std::function<void(const Poco::Net::HTTPResponse&, std::istream&)>;

	/// Streams a request to the peer, its body read from `body` (length
	/// bytes; -1 for chunked; nullptr for none), and hands the answer's
	/// head and body stream to onAnswer, which may copy it anywhere. For
	/// bodies too large to hold: nothing is buffered whole, and the request
	/// goes on a connection of its own (never pooled, never retried, since a
	/// body cannot be sent twice). Throws BadGatewayException, with
	/// nothingSent set when the peer could not even be reached (so the
	/// caller may try another), or GatewayTimeoutException; a body that
	/// ends before `length` bytes throws BadRequestException after dropping
	/// the connection, so the peer discards what it received.
	void stream(const std::string& baseUrl, const std::string& method, const std::string& path, const Headers& headers,
	            std::istream* body, std::streamsize length, const std::string& contentType, const AnswerReader& onAnswer,
	            bool* nothingSent = nullptr);

	/// Called with the answer, or with what send() would have thrown
	/// (BadGatewayException, GatewayTimeoutException); exactly one is set.
	using Completion = std::function<void(PeerResponse* answer, const Poco::Exception* error)>;
	/// send() without waiting: the request goes out on the event loop that
	/// will write `on`'s answer, over that loop's own kept-alive connections
	/// to the peer, and `done` runs there when the answer is in; no thread
	/// waits meanwhile. An https peer is sent to at once on the calling
	/// thread instead (the loops do not speak TLS yet). A malformed baseUrl
	/// throws here. `within`, when positive, bounds the whole exchange
	/// (connecting included) below the client's own timeouts: for a caller
	/// that owes its client an answer by a deadline.
	void sendAsync(const AnswerLater& on, const std::string& baseUrl, const std::string& method, const std::string& path,
	               const std::string& body, const std::string& contentType, const Headers& headers, Completion done,
	               Poco::Timespan within = 0);
	/// After how long a sendAsync() request still unanswered should go to
	/// another node as well (a hedged request): twice the 99th percentile of
	/// this client's recent answers, from 10 ms to 1 s (50 ms before it has
	/// seen enough). A stopped or cut-off peer then costs its callers that
	/// long, not a timeout.
	Poco::Timespan hedgeDelay() const;
	/// Idle connections held, over all peers (for metrics and tests).
	std::size_t idleConnections() const;

	/// For messages that travel outside HTTP (gossip's datagrams), signed
	/// with the cluster secret as requests are: the signature of body on
	/// channel (a name the receiver checks it under, such as
	/// "/gossip/exchange") as one line of text, "<node> <time> <hmac>";
	/// empty without a secret.
	std::string signMessage(const std::string& channel, const std::string& body) const;
	/// Checks such a line for body on channel and returns the signer's id;
	/// throws UnauthorizedException when it is missing, wrong or stale.
	/// Without a secret it accepts anything and returns "".
	std::string verifyMessage(const std::string& channel, const std::string& body, const std::string& signature) const;
	/// Whether signMessage() signs (a cluster secret is set).
	bool signsMessages() const;

	PeerClient(const PeerClient&) = delete;
	PeerClient& operator=(const PeerClient&) = delete;

	/// Its connection pool, signing and TLS: the core's (core/src/cluster),
	/// which also makes the node's own client (PeerClient::Impl::secured).
	/// Opaque to plugins.
	class Impl;

private:
	explicit PeerClient(std::unique_ptr<Impl> impl);

	std::unique_ptr<Impl> _impl;
};

} // namespace p2p

#endif
