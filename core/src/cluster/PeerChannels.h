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
/// peer a pool of kept-alive non-blocking connections, each request a small
/// state machine (connect, write, read the head, read the body) that the
/// loop drives, its connect and answer timeouts the loop's timers. An idle
/// connection the peer closes is noticed (EPOLLRDHUP) and dropped; a request
/// that fails on a reused connection before any byte of an answer came is
/// sent once more on a fresh one, as PeerClient::send() does. Errors are
/// what send() throws: BadGatewayException, GatewayTimeoutException.
///
/// A peer keeps as many connections as peers.max_idle_per_peer, or as the
/// most requests to it that were in flight at once in the last ten
/// seconds, whichever is more: under a steady load of many concurrent
/// requests each finds a connection ready, instead of one closed and one
/// opened per request; after the load, the peer's keep-alive timeout closes
/// what is left.
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
		std::string what;        ///< "GET /kv/a on http://host:port", for errors
		/// When set, the exchange fails by then, retry on a fresh connection included.
		std::optional<Poco::Timestamp> deadline;
	};
	/// Exactly one of the two is set.
	using Done = std::function<void(PeerResponse* answer, const Poco::Exception* error)>;

	PeerChannels(EventLoop& loop, PeerClient::Settings settings);
	~PeerChannels();

	PeerChannels(const PeerChannels&) = delete;
	PeerChannels& operator=(const PeerChannels&) = delete;

	void send(Call call, Done done);

private:
	struct Connection;
	using ConnectionPtr = std::shared_ptr<Connection>;

	static std::string keyOf(const Call& call);
	/// On a connection of its own; an error to connect goes to done.
	void sendFresh(Call call, Done done);
	void start(const ConnectionPtr& connection, Call call, Done done);
	ConnectionPtr open(const Call& call);
	void onEvents(const ConnectionPtr& connection, std::uint32_t events);
	void writeOut(const ConnectionPtr& connection);
	void readIn(const ConnectionPtr& connection);
	/// Reads the answer from what came; true once it is complete.
	bool parse(const ConnectionPtr& connection);
	void complete(const ConnectionPtr& connection);
	/// failure: what went wrong; retry on a fresh connection when it may.
	void fail(const ConnectionPtr& connection, const Poco::Exception& failure, bool retryable);
	void close(const ConnectionPtr& connection);
	/// A timer for the step the connection is in: `step` (the client's
	/// connect or answer timeout), or less when the call's deadline is nearer.
	void arm(const ConnectionPtr& connection, Poco::Timespan step, bool connecting);
	void schedule(const ConnectionPtr& connection, Poco::Timestamp::TimeVal due);

	EventLoop& _loop;
	const PeerClient::Settings _settings;
	std::unordered_map<int, ConnectionPtr> _open;                ///< by descriptor
	std::map<std::string, std::vector<ConnectionPtr>> _idle;      ///< by host:port
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
