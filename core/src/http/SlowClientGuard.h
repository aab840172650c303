#ifndef P2P_SlowClientGuard_INCLUDED
#define P2P_SlowClientGuard_INCLUDED

#include "p2p/Export.h"

#include <Poco/Condition.h>
#include <Poco/Mutex.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Thread.h>
#include <Poco/Timespan.h>
#include <atomic>
#include <set>

namespace p2p {

/// Cuts off clients that send too slowly: one that trickles a byte a second
/// never trips a per-read receive timeout, yet holds one of
/// http.max_threads for as long as it likes (slowloris, and its slow-body
/// variant). Each connection gets http.header_timeout_ms to send the head of
/// its first request, and the keep-alive timeout plus that for each later
/// one. A body must then arrive at http.min_body_bytes_per_s on average,
/// after the same grace time; only the time a handler spends waiting for
/// body bytes counts, not the time it works. Past a deadline the guard
/// shuts the socket down, which ends the server thread's read.
///
/// Each HttpConnection reports to it while it has a thread; the
/// router calls requestStarted() when a head is complete and
/// requestFinished() after the answer, and a body read is wrapped in a
/// BodyRead, all on the connection's own thread.
class P2P_API SlowClientGuard: public Poco::Runnable
{
	struct Slot
	{
		/// A duplicate of the connection's descriptor, owned by the guard:
		/// the connection may close its own at any time, and a number
		/// reused by the next accept() must never be shut down by mistake.
		int fd = -1;
		SlowClientGuard* guard = nullptr;
		/// Epoch microseconds by which the current head (or the body bytes
		/// being waited for) must be in; 0 while a handler works.
		std::atomic<Poco::Int64> deadline{0};
	};

public:
	/// minBodyBytesPerSecond 0: bodies are not paced.
	SlowClientGuard(Poco::Timespan headerTimeout, Poco::Timespan keepAliveTimeout, int minBodyBytesPerSecond);
	~SlowClientGuard() override;

	void start();
	void stop();

	/// Watches the calling thread's connection for as long as it lives.
	class Watch
	{
	public:
		/// headDue: when the first request's head must be in (epoch
		/// microseconds); 0: http.header_timeout_ms from now.
		Watch(SlowClientGuard& guard, const Poco::Net::StreamSocket& socket, Poco::Int64 headDue = 0);
		~Watch();

		Watch(const Watch&) = delete;
		Watch& operator=(const Watch&) = delete;

	private:
		Slot _slot;
	};

	/// On the connection's thread: its request head is in.
	static void requestStarted();
	/// On the connection's thread: its answer is out; the next head is due.
	static void requestFinished();

	/// On the connection's thread, around one wait for body bytes, given the
	/// bytes received and the time spent waiting for them so far: the
	/// client may take the grace time plus a second per
	/// http.min_body_bytes_per_s bytes in all.
	class BodyRead
	{
	public:
		BodyRead(Poco::UInt64 bytesSoFar, Poco::Int64 waitedMicroseconds);
		~BodyRead();

		BodyRead(const BodyRead&) = delete;
		BodyRead& operator=(const BodyRead&) = delete;
	};

	/// Connections cut off so far.
	Poco::UInt64 cutOff() const { return _cutOff.load(); }

private:
	void add(Slot& slot, const Poco::Net::StreamSocket& socket);
	void remove(Slot& slot);
	void run() override;

	Poco::Timespan _headerTimeout;
	Poco::Timespan _keepAliveTimeout;
	int _minBodyBytesPerSecond;
	Poco::FastMutex _mutex;
	std::set<Slot*> _slots;
	std::atomic<Poco::UInt64> _cutOff{0};
	Poco::Thread _thread;
	Poco::Condition _wakeup; ///< a first slot, or stop (with _mutex)
	bool _stopping = false; ///< under _mutex
	bool _sleepingForGood = false; ///< under _mutex: waiting for a first slot
	bool _running = false;
};

} // namespace p2p

#endif
