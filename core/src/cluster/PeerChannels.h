#ifndef P2P_PeerChannels_INCLUDED
#define P2P_PeerChannels_INCLUDED

#include "event/EventLoop.h"
#include "http/HttpHead.h"
#include "p2p/PeerClient.h"
#include <Poco/Exception.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Timestamp.h>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace p2p {

/// Requests to other nodes from one event loop with no thread waiting: per
/// peer a pool of kept-alive non-blocking connections, each carrying its
/// requests as a small state machine (connect, write, read each answer's
/// head and body) that the loop drives, the timeouts on the loop's timers.
/// Errors are what PeerClient::send() throws: BadGatewayException,
/// GatewayTimeoutException.
///
/// GET and HEAD requests are pipelined (HTTP/1.1): up to
/// peers.pipeline_depth of them share a connection, written together once
/// per loop turn, answered in order. Where one request per connection cost
/// a write and a read on each side per request, a turn's requests to the
/// owner of many keys cost one of each. A connection whose oldest request
/// has waited long for its answer takes no more (a slow answer would hold
/// them up); other requests, which change things, have a connection to
/// themselves. When a connection fails, what it still carried is sent once
/// more on another, except the request being answered unless it was the
/// connection's first to fail before a byte of its answer came (a pooled
/// connection the peer had closed), as PeerClient::send() does.
///
/// A peer keeps as many idle connections as peers.max_idle_per_peer, or as
/// the most requests to it that were in flight at once in the last ten
/// seconds, whichever is more: under a steady load each request finds a
/// connection ready, instead of one closed and one opened per request;
/// after the load, the peer's keep-alive timeout closes what is left.
///
/// The loop's own: made and used on its thread only.
class PeerChannels
{
public:
	struct Call
	{
		std::string host;
		Poco::UInt16 port = 0;
		std::string bytes;       ///< the whole request: head and body
		bool headRequest = false; ///< its answer has no body, whatever it declares
		/// GET or HEAD without a body: it may share a connection with
		/// others in flight, and be sent again when that connection fails.
		bool safe = false;
		/// "http://host:port for GET /kv/a": for errors, so made only when
		/// one is told.
		std::string what() const;
		/// When set, the exchange fails by then, a second sending included.
		std::optional<Poco::Timestamp> deadline;
		/// When set, writes the signature into bytes (again) each time the
		/// call goes onto a connection.
		std::function<void(std::string& bytes)> sign;
	};
	/// Exactly one of the two is set.
	using Done = std::function<void(PeerResponse* answer, const Poco::Exception* error)>;

	PeerChannels(EventLoop& loop, PeerClient::Settings settings);
	~PeerChannels();

	PeerChannels(const PeerChannels&) = delete;
	PeerChannels& operator=(const PeerChannels&) = delete;

	void send(Call call, Done done);

private:
	struct Pending;
	struct Connection;
	using ConnectionPtr = std::shared_ptr<Connection>;
	/// What failed a connection decides what happens to the calls it carried.
	enum class Failure
	{
		Unreachable, ///< it could not be made: every call fails
		Broken,      ///< it broke: the calls are sent again where they may be
		Answer       ///< the answer in progress failed (timeout, malformed): it fails, the rest go again
	};

	/// What went wrong, told to each call it ends in a sentence about that call.
	struct Trouble
	{
		bool timedOut = false; ///< GatewayTimeoutException; otherwise BadGatewayException
		std::string before;    ///< the sentence around the call's `what`
		std::string after;
		void tell(const Done& done, const Call& call) const;
	};

	static std::string keyOf(const Call& call);
	void send(Pending pending);
	/// A connection with room for the call, or nullptr.
	ConnectionPtr pipelineFor(const std::string& key) const;
	ConnectionPtr open(const Call& call);
	void enqueue(const ConnectionPtr& connection, Pending pending);
	/// The call's wait for its answer, from `from` on (its connection is made).
	void startWaiting(Pending& pending, Poco::Timestamp::TimeVal from) const;
	/// Writes what the connection has to send at the end of the loop's turn.
	void queueFlush(const ConnectionPtr& connection);
	void onEvents(const ConnectionPtr& connection, std::uint32_t events);
	void connected(const ConnectionPtr& connection);
	void writeOut(const ConnectionPtr& connection);
	void readIn(const ConnectionPtr& connection);
	/// Reads the oldest call's answer from what came; true once it is complete.
	bool parse(Connection& connection);
	void complete(const ConnectionPtr& connection);
	void fail(const ConnectionPtr& connection, const Trouble& trouble, Failure kind);
	/// Ends the calls whose time ran out; the connection goes if the one
	/// being answered is among them.
	void expire(const ConnectionPtr& connection);
	void close(const ConnectionPtr& connection);
	/// The loop timer for the connection's nearest deadline. It is set again
	/// only when that deadline comes before it: calls that each move the
	/// deadline later cost no timer operation.
	void arm(const ConnectionPtr& connection);
	void schedule(const ConnectionPtr& connection, Poco::Timestamp::TimeVal due);
	/// When the call's answer is due if its wait starts now: `step`, or less
	/// when the call's deadline is nearer.
	static Poco::Timespan allowed(const Call& call, Poco::Timespan step);

	EventLoop& _loop;
	const PeerClient::Settings _settings;
	std::unordered_map<int, ConnectionPtr> _open;                ///< by descriptor
	std::map<std::string, std::vector<ConnectionPtr>> _idle;      ///< by host:port
	std::map<std::string, std::vector<ConnectionPtr>> _pipelines; ///< by host:port: busy, GET and HEAD may join
	struct Load
	{
		std::size_t now = 0;  ///< requests in flight
		std::size_t peak = 0; ///< the most at once since peakSince
		Poco::Timestamp peakSince;
	};
	std::map<std::string, Load> _load; ///< by host:port
	std::map<std::string, Poco::Net::SocketAddress> _addresses;   ///< resolved once per peer
};

} // namespace p2p

#endif
