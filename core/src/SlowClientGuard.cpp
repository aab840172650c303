#include "SlowClientGuard.h"
#include <Poco/Net/HTTPServerConnection.h>
#include <Poco/Timestamp.h>
#include <algorithm>
#include <sys/socket.h>

namespace p2p {

namespace {

/// The slot of the connection this thread serves, if any: the router
/// reaches it without POCO handing the connection to request handlers.
thread_local SlowClientGuard::Slot* currentSlot = nullptr;

Poco::Int64 nowMicroseconds()
{
	return Poco::Timestamp().epochMicroseconds();
}

class WatchedConnection: public Poco::Net::HTTPServerConnection
{
public:
	WatchedConnection(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
	                  Poco::Net::HTTPRequestHandlerFactory::Ptr handlers, SlowClientGuard& guard,
	                  Poco::Timespan headerTimeout):
		HTTPServerConnection(socket, params, handlers),
		_guard(guard),
		_headerTimeout(headerTimeout)
	{
	}

	void run() override
	{
		SlowClientGuard::Slot slot;
		slot.socket = socket();
		slot.guard = &_guard;
		slot.deadline = nowMicroseconds() + _headerTimeout.totalMicroseconds();
		_guard.add(slot);
		currentSlot = &slot;
		struct Leave
		{
			SlowClientGuard::Slot& slot;
			~Leave()
			{
				currentSlot = nullptr;
				slot.guard->remove(slot);
			}
		} leave{slot};
		HTTPServerConnection::run();
	}

private:
	SlowClientGuard& _guard;
	Poco::Timespan _headerTimeout;
};

class WatchedConnectionFactory: public Poco::Net::TCPServerConnectionFactory
{
public:
	WatchedConnectionFactory(Poco::Net::HTTPServerParams::Ptr params, Poco::Net::HTTPRequestHandlerFactory::Ptr handlers,
	                         SlowClientGuard& guard, Poco::Timespan headerTimeout):
		_params(params),
		_handlers(handlers),
		_guard(guard),
		_headerTimeout(headerTimeout)
	{
	}

	Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override
	{
		return new WatchedConnection(socket, _params, _handlers, _guard, _headerTimeout);
	}

private:
	Poco::Net::HTTPServerParams::Ptr _params;
	Poco::Net::HTTPRequestHandlerFactory::Ptr _handlers;
	SlowClientGuard& _guard;
	Poco::Timespan _headerTimeout;
};

} // namespace

SlowClientGuard::SlowClientGuard(Poco::Timespan headerTimeout, Poco::Timespan keepAliveTimeout):
	_headerTimeout(headerTimeout),
	_keepAliveTimeout(keepAliveTimeout),
	_thread("slow-clients")
{
}

SlowClientGuard::~SlowClientGuard()
{
	stop();
}

Poco::Net::TCPServerConnectionFactory::Ptr SlowClientGuard::connectionFactory(
	Poco::Net::HTTPServerParams::Ptr params, Poco::Net::HTTPRequestHandlerFactory::Ptr handlers)
{
	return new WatchedConnectionFactory(params, handlers, *this, _headerTimeout);
}

void SlowClientGuard::requestStarted()
{
	if (currentSlot) currentSlot->deadline = 0;
}

void SlowClientGuard::requestFinished()
{
	SlowClientGuard::Slot* slot = currentSlot;
	if (!slot) return;
	slot->deadline = nowMicroseconds() + (slot->guard->_keepAliveTimeout + slot->guard->_headerTimeout).totalMicroseconds();
}

void SlowClientGuard::add(Slot& slot)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	_slots.insert(&slot);
}

void SlowClientGuard::remove(Slot& slot)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	_slots.erase(&slot);
}

void SlowClientGuard::start()
{
	if (_running) return;
	_stop.reset();
	_thread.start(*this);
	_running = true;
}

void SlowClientGuard::stop()
{
	if (!_running) return;
	_stop.set();
	_thread.join();
	_running = false;
}

void SlowClientGuard::run()
{
	// A quarter of the timeout, so nobody gets more than 25% over it.
	const long tickMs = std::clamp<long>(static_cast<long>(_headerTimeout.totalMilliseconds() / 4), 10, 1000);
	while (!_stop.tryWait(tickMs))
	{
		const Poco::Int64 now = nowMicroseconds();
		Poco::FastMutex::ScopedLock lock(_mutex);
		for (Slot* slot : _slots)
		{
			Poco::Int64 deadline = slot->deadline.load();
			if (deadline == 0 || now < deadline) continue;
			// Unless the head came in meanwhile; and only once.
			if (!slot->deadline.compare_exchange_strong(deadline, 0)) continue;
			// The blocked read returns end-of-stream and the server
			// thread gives up on the connection. On the descriptor, not
			// the socket object: a TLS socket's shutdown() would write a
			// close_notify from this thread, racing the reader's SSL state.
			::shutdown(slot->socket.impl()->sockfd(), SHUT_RDWR);
			++_cutOff;
		}
	}
}

} // namespace p2p
