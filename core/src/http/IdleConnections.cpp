#include "http/IdleConnections.h"
#include <Poco/Exception.h>
#include <cerrno>
#include <cstring>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>
#include <pthread.h>

namespace p2p {

namespace {

/// Deadlines are seconds long: closing a connection this late lets one
/// wake-up close the ones due together.
constexpr Poco::Timestamp::TimeDiff kSlackMicroseconds = 50 * 1000;

} // namespace

IdleConnections::IdleConnections(std::size_t maxParked):
	_maxParked(maxParked),
	_thread("idle-connections")
{
	_epoll = ::epoll_create1(EPOLL_CLOEXEC);
	_signal = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (_epoll < 0 || _signal < 0)
	{
		const std::string why = std::strerror(errno);
		if (_epoll >= 0) ::close(_epoll);
		if (_signal >= 0) ::close(_signal);
		throw Poco::SystemException("cannot watch idle connections: " + why);
	}
	epoll_event event{};
	event.events = EPOLLIN;
	event.data.fd = _signal;
	::epoll_ctl(_epoll, EPOLL_CTL_ADD, _signal, &event);
}

IdleConnections::~IdleConnections()
{
	stop();
	// What is left was handed back but never taken up (the dispatcher stopped first).
	closeWhere([](const Entry&) { return true; });
	::close(_signal);
	::close(_epoll);
}

void IdleConnections::start(Requeue requeue)
{
	_requeue = std::move(requeue);
	_thread.start(*this);
}

void IdleConnections::stop()
{
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		if (_stopped) return;
		_stopped = true;
	}
	signal();
	if (_thread.isRunning()) _thread.join();
	closeWhere([](const Entry& entry) { return !entry.handedOver; });
}

bool IdleConnections::park(Parked& parked)
{
	const int fd = parked.session->socket().impl()->sockfd();
	Poco::FastMutex::ScopedLock lock(_mutex);
	if (_stopped || fd < 0) return false;
	if (_entries.size() >= _maxParked)
	{
		++_refused;
		return false;
	}
	// One-shot: after one wake-up the descriptor stays quiet until it is
	// removed, so no second thread is ever handed the same connection.
	epoll_event event{};
	event.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
	event.data.fd = fd;
	if (::epoll_ctl(_epoll, EPOLL_CTL_ADD, fd, &event) != 0) return false;
	// A parked descriptor stays open, so its number is never reused while
	// it is here, and it is not here twice.
	const Poco::Timestamp deadline = parked.deadline;
	_entries[fd] = Entry{std::move(parked), false};
	// The thread sleeps until the earliest deadline it knows of (or for
	// good, with nothing parked): an earlier one must wake it to plan again.
	if (_wakeAt == 0 || deadline.epochMicroseconds() < _wakeAt) signal();
	return true;
}

void IdleConnections::signal()
{
	const std::uint64_t one = 1;
	if (::write(_signal, &one, sizeof(one)) < 0)
	{
		// Full counter: the thread is being woken anyway.
	}
}

int IdleConnections::planWakeUp(Poco::Timestamp now)
{
	// Under _mutex. No periodic tick: an idle node's thread sleeps until a
	// connection is due to close, or forever.
	Poco::Timestamp::TimeVal earliest = 0;
	for (const auto& [fd, entry] : _entries)
	{
		if (entry.handedOver) continue;
		const Poco::Timestamp::TimeVal due = entry.parked.deadline.epochMicroseconds();
		if (earliest == 0 || due < earliest) earliest = due;
	}
	if (earliest == 0)
	{
		_wakeAt = 0;
		return -1;
	}
	_wakeAt = earliest + kSlackMicroseconds;
	const Poco::Timestamp::TimeDiff wait = std::max<Poco::Timestamp::TimeDiff>(0, _wakeAt - now.epochMicroseconds());
	return static_cast<int>(std::min<Poco::Timestamp::TimeDiff>(wait / 1000 + 1, 3600 * 1000));
}

std::size_t IdleConnections::size() const
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	return _entries.size();
}

std::optional<IdleConnections::Parked> IdleConnections::resume(const Poco::Net::StreamSocket& socket)
{
	const int fd = socket.impl()->sockfd();
	Poco::FastMutex::ScopedLock lock(_mutex);
	auto it = _entries.find(fd);
	if (it == _entries.end() || !it->second.handedOver) return std::nullopt;
	Parked parked = std::move(it->second.parked);
	_entries.erase(it);
	return parked;
}

void IdleConnections::run()
{
	pthread_setname_np(pthread_self(), "idle-conns");
	std::vector<epoll_event> events(256);
	for (;;)
	{
		int timeoutMs;
		{
			Poco::FastMutex::ScopedLock lock(_mutex);
			if (_stopped) return;
			timeoutMs = planWakeUp(Poco::Timestamp());
		}
		const int n = ::epoll_wait(_epoll, events.data(), static_cast<int>(events.size()), timeoutMs);
		// Only EINTR can happen to a valid epoll set and buffer.
		if (n < 0 && errno != EINTR) break;
		std::vector<int> ready;
		for (int i = 0; i < n; ++i)
		{
			const int fd = events[static_cast<std::size_t>(i)].data.fd;
			if (fd == _signal)
			{
				std::uint64_t count;
				if (::read(_signal, &count, sizeof(count)) < 0)
				{
					// Already drained: nothing to do.
				}
				continue;
			}
			ready.push_back(fd);
		}
		if (!ready.empty()) wake(ready);
		expire(Poco::Timestamp());
	}
}

void IdleConnections::wake(const std::vector<int>& ready)
{
	std::vector<std::pair<int, Poco::Net::StreamSocket>> resumed;
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		for (int fd : ready)
		{
			auto it = _entries.find(fd);
			if (it == _entries.end() || it->second.handedOver) continue;
			::epoll_ctl(_epoll, EPOLL_CTL_DEL, fd, nullptr);
			it->second.handedOver = true;
			resumed.emplace_back(fd, it->second.parked.session->socket());
		}
	}
	// Outside the lock: a thread may take the connection up (resume())
	// before requeue returns. A connection whose client closed goes back
	// too; its thread reads the end and closes it.
	std::vector<std::unique_ptr<ServerSession>> dropped;
	for (const auto& [fd, socket] : resumed)
	{
		if (_requeue(socket)) continue;
		// The dispatcher's queue was full and it dropped the socket: nobody
		// will take this one up.
		Poco::FastMutex::ScopedLock lock(_mutex);
		auto it = _entries.find(fd);
		if (it == _entries.end()) continue;
		dropped.push_back(std::move(it->second.parked.session));
		_entries.erase(it);
	}
	close(dropped);
}

void IdleConnections::expire(Poco::Timestamp now)
{
	_expired += closeWhere([now](const Entry& entry) { return !entry.handedOver && entry.parked.deadline <= now; });
}

std::size_t IdleConnections::closeWhere(const std::function<bool(const Entry&)>& which)
{
	std::vector<std::unique_ptr<ServerSession>> closing;
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		for (auto it = _entries.begin(); it != _entries.end();)
		{
			if (!which(it->second))
			{
				++it;
				continue;
			}
			if (!it->second.handedOver) ::epoll_ctl(_epoll, EPOLL_CTL_DEL, it->first, nullptr);
			closing.push_back(std::move(it->second.parked.session));
			it = _entries.erase(it);
		}
	}
	const std::size_t closed = closing.size();
	close(closing);
	return closed;
}

void IdleConnections::close(std::vector<std::unique_ptr<ServerSession>>& sessions)
{
	for (auto& session : sessions)
	{
		const int fd = session->socket().impl()->sockfd();
		if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
		session.reset(); // closes the socket
	}
	sessions.clear();
}

} // namespace p2p
