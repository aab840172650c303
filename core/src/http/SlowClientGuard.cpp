#include "http/SlowClientGuard.h"
#include <Poco/Timestamp.h>
#include <algorithm>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <pthread.h>

namespace p2p {

namespace {

/// The slot of the connection this thread serves, if any: the router
/// reaches it without POCO handing the connection to request handlers.
thread_local void* currentSlot = nullptr;

Poco::Int64 nowMicroseconds()
{
	return Poco::Timestamp().epochMicroseconds();
}

} // namespace

SlowClientGuard::SlowClientGuard(Poco::Timespan headerTimeout, Poco::Timespan keepAliveTimeout, int minBodyBytesPerSecond):
	_headerTimeout(headerTimeout),
	_keepAliveTimeout(keepAliveTimeout),
	_minBodyBytesPerSecond(minBodyBytesPerSecond),
	_thread("slow-clients")
{
}

SlowClientGuard::~SlowClientGuard()
{
	stop();
}

SlowClientGuard::Watch::Watch(SlowClientGuard& guard, const Poco::Net::StreamSocket& socket, Poco::Int64 headDue)
{
	_slot.guard = &guard;
	_slot.deadline = headDue > 0 ? headDue : nowMicroseconds() + guard._headerTimeout.totalMicroseconds();
	guard.add(_slot, socket);
	currentSlot = &_slot;
}

SlowClientGuard::Watch::~Watch()
{
	currentSlot = nullptr;
	_slot.guard->remove(_slot);
}

void SlowClientGuard::requestStarted()
{
	if (auto* slot = static_cast<Slot*>(currentSlot)) slot->deadline = 0;
}

SlowClientGuard::BodyRead::BodyRead(Poco::UInt64 bytesSoFar, Poco::Int64 waitedMicroseconds)
{
	auto* slot = static_cast<Slot*>(currentSlot);
	if (!slot || slot->guard->_minBodyBytesPerSecond <= 0) return;
	const auto earned = static_cast<Poco::Int64>(static_cast<double>(bytesSoFar) * 1e6 / slot->guard->_minBodyBytesPerSecond);
	const Poco::Int64 allowance = slot->guard->_headerTimeout.totalMicroseconds() + earned - waitedMicroseconds;
	slot->deadline = nowMicroseconds() + std::max<Poco::Int64>(allowance, 1);
}

SlowClientGuard::BodyRead::~BodyRead()
{
	if (auto* slot = static_cast<Slot*>(currentSlot)) slot->deadline = 0;
}

void SlowClientGuard::requestFinished()
{
	auto* slot = static_cast<Slot*>(currentSlot);
	if (!slot) return;
	slot->deadline = nowMicroseconds() + (slot->guard->_keepAliveTimeout + slot->guard->_headerTimeout).totalMicroseconds();
}

void SlowClientGuard::add(Slot& slot, const Poco::Net::StreamSocket& socket)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	// Without a descriptor of its own (out of descriptors) the connection
	// goes unwatched rather than refused.
	const int fd = ::fcntl(socket.impl()->sockfd(), F_DUPFD_CLOEXEC, 0);
	if (fd < 0) return;
	try
	{
		_slots.insert(&slot);
	}
	catch (...)
	{
		::close(fd);
		throw;
	}
	slot.fd = fd;
	// The watcher sleeps for good while nobody is watched.
	if (_sleepingForGood) _wakeup.signal();
}

void SlowClientGuard::remove(Slot& slot)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	_slots.erase(&slot);
	if (slot.fd >= 0) ::close(slot.fd);
	slot.fd = -1;
}

void SlowClientGuard::start()
{
	if (_running) return;
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		_stopping = false;
	}
	_thread.start(*this);
	_running = true;
}

void SlowClientGuard::stop()
{
	if (!_running) return;
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		_stopping = true;
		_wakeup.broadcast();
	}
	_thread.join();
	_running = false;
}

void SlowClientGuard::run()
{
	pthread_setname_np(pthread_self(), "slow-clients");
	// A quarter of the timeout, so nobody gets more than 25% over it.
	const long tickMs = std::clamp<long>(static_cast<long>(_headerTimeout.totalMilliseconds() / 4), 10, 1000);
	Poco::FastMutex::ScopedLock lock(_mutex);
	while (!_stopping)
	{
		// Ticking only while some connection is watched: an idle node's
		// guard does not wake.
		if (_slots.empty())
		{
			_sleepingForGood = true;
			_wakeup.wait(_mutex);
			_sleepingForGood = false;
		}
		else
		{
			_wakeup.tryWait(_mutex, tickMs);
		}
		if (_stopping) break;
		const Poco::Int64 now = nowMicroseconds();
		for (Slot* slot : _slots)
		{
			Poco::Int64 deadline = slot->deadline.load();
			if (deadline == 0 || now < deadline) continue;
			// Unless the head came in meanwhile; and only once.
			if (!slot->deadline.compare_exchange_strong(deadline, 0)) continue;
			// The blocked read returns end-of-stream and the server
			// thread gives up on the connection. On our duplicate of the
			// descriptor, not the socket object: a TLS socket's shutdown()
			// would write a close_notify from this thread, racing the
			// reader's SSL state.
			if (::shutdown(slot->fd, SHUT_RDWR) == 0) ++_cutOff;
		}
	}
}

} // namespace p2p
