#ifndef P2P_IdleConnections_INCLUDED
#define P2P_IdleConnections_INCLUDED

#include <Poco/Mutex.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Thread.h>
#include <Poco/Timestamp.h>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>

namespace p2p {

/// POCO's server session, with a look at its read buffer: a connection
/// whose next request is already buffered must not wait for the socket.
class ServerSession: public Poco::Net::HTTPServerSession
{
public:
	using HTTPServerSession::HTTPServerSession;
	using HTTPServerSession::buffered;
};

/// Quiet connections, held without a thread. A server thread that has
/// waited http.idle_park_ms for a connection's next request parks the
/// connection here and takes other work, so clients that open connections
/// and send nothing (or keep them alive between rare requests, as peers'
/// pools do) cannot tie up http.max_threads. One thread watches them all
/// with epoll: a connection whose client sends again goes back to the
/// dispatcher, and one still quiet at its deadline is closed. The thread
/// sleeps until a deadline is due: an idle node costs it no wake-ups.
///
/// A parked connection keeps its session (buffer, keep-alive state), so
/// the thread that takes it up again continues where the last one stopped.
class IdleConnections: public Poco::Runnable
{
public:
	struct Parked
	{
		std::unique_ptr<ServerSession> session;
		/// Requests answered on the connection so far.
		int served = 0;
		/// When it is closed if it stays quiet: the next request's head is
		/// due by then if it is the first.
		Poco::Timestamp deadline;
	};

	/// Puts a connection back on the dispatcher's queue; false when the
	/// queue was full and the dispatcher dropped it.
	using Requeue = std::function<bool(const Poco::Net::StreamSocket&)>;

	/// maxParked: http.max_idle_connections; beyond it a connection that
	/// goes quiet keeps its thread instead.
	explicit IdleConnections(std::size_t maxParked);
	~IdleConnections() override;

	IdleConnections(const IdleConnections&) = delete;
	IdleConnections& operator=(const IdleConnections&) = delete;

	/// Starts watching; a connection whose client sends again goes to
	/// `requeue`, which must work until stop().
	void start(Requeue requeue);
	/// Closes every parked connection, refuses more, and ends the thread.
	/// Connections already handed back stay with the threads taking them up.
	void stop();

	/// Holds the connection until its client sends again or its deadline
	/// passes. False when full or stopped: `parked` is left with the caller.
	bool park(Parked& parked);

	/// What a connection coming back from here left behind; nothing for a
	/// connection that was never parked.
	std::optional<Parked> resume(const Poco::Net::StreamSocket& socket);

	/// Connections parked now, or handed back and not yet taken up.
	std::size_t size() const;
	/// Connections closed here at their deadline, so far.
	Poco::UInt64 expired() const { return _expired.load(); }
	/// Connections not parked because http.max_idle_connections were, so far.
	Poco::UInt64 refused() const { return _refused.load(); }

private:
	struct Entry
	{
		Parked parked;
		/// Back on the dispatcher's queue, waiting for a thread to take it
		/// up: no longer watched, and no deadline of ours applies.
		bool handedOver = false;
	};

	void run() override;
	void signal();
	/// The epoll timeout until the earliest deadline (-1: none); sets _wakeAt.
	int planWakeUp(Poco::Timestamp now);
	void wake(const std::vector<int>& ready);
	void expire(Poco::Timestamp now);
	/// Removes the entries `which` picks and closes their connections
	/// (outside the lock); how many.
	std::size_t closeWhere(const std::function<bool(const Entry&)>& which);
	/// Shut down before closing: destroying a TLS session writes a
	/// close_notify, which must fail at once rather than block this thread
	/// on a client that reads nothing.
	static void close(std::vector<std::unique_ptr<ServerSession>>& sessions);

	const std::size_t _maxParked;
	int _epoll = -1;
	int _signal = -1; ///< eventfd: stop, or plan the next wake-up again
	Requeue _requeue;
	mutable Poco::FastMutex _mutex;
	std::map<int, Entry> _entries;
	bool _stopped = false;
	Poco::Timestamp::TimeVal _wakeAt = 0; ///< when the thread wakes next, 0: not before an event
	std::atomic<Poco::UInt64> _expired{0};
	std::atomic<Poco::UInt64> _refused{0};
	Poco::Thread _thread;
};

} // namespace p2p

#endif
