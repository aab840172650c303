#include "event/EventLoop.h"
#include <Poco/Exception.h>
#include <cerrno>
#include <cstring>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace p2p {

namespace {

constexpr int kEventsPerWait = 256;
/// Rounds of tasks posted by posted tasks that one turn runs.
constexpr int kPostedRoundsPerTurn = 64;

std::uint64_t packed(int fd, std::uint32_t generation)
{
	return (static_cast<std::uint64_t>(generation) << 32) | static_cast<std::uint32_t>(fd);
}

} // namespace

EventLoop::EventLoop()
{
	_epoll = ::epoll_create1(EPOLL_CLOEXEC);
	_wakeFd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (_epoll < 0 || _wakeFd < 0)
	{
		const std::string why = std::strerror(errno);
		if (_epoll >= 0) ::close(_epoll);
		if (_wakeFd >= 0) ::close(_wakeFd);
		throw Poco::SystemException("cannot make an event loop: " + why);
	}
	epoll_event event{};
	event.events = EPOLLIN;
	event.data.u64 = packed(_wakeFd, 0);
	::epoll_ctl(_epoll, EPOLL_CTL_ADD, _wakeFd, &event);
}

EventLoop::~EventLoop()
{
	::close(_wakeFd);
	::close(_epoll);
}

void EventLoop::stop()
{
	_stopped = true;
	wake();
}

void EventLoop::post(Task task)
{
	bool first;
	{
		Poco::FastMutex::ScopedLock lock(_postMutex);
		first = _posted.empty();
		_posted.push_back(std::move(task));
	}
	// One wake-up per batch: later posts find the loop already woken. The
	// loop's own thread runs what it posts before it waits again.
	if (first && !inLoopThread()) wake();
}

void EventLoop::wake()
{
	const std::uint64_t one = 1;
	if (::write(_wakeFd, &one, sizeof(one)) < 0)
	{
		// A full counter: the loop is being woken anyway.
	}
}

void EventLoop::watch(int fd, std::uint32_t events, Callback callback, bool edge)
{
	const std::uint32_t generation = ++_generation;
	epoll_event event{};
	event.events = events | (edge ? EPOLLET : 0u);
	event.data.u64 = packed(fd, generation);
	if (::epoll_ctl(_epoll, EPOLL_CTL_ADD, fd, &event) != 0)
		throw Poco::SystemException(std::string("cannot watch a descriptor: ") + std::strerror(errno));
	_watches[fd] = Watch{generation, std::make_shared<Callback>(std::move(callback))};
}

void EventLoop::modify(int fd, std::uint32_t events, bool edge)
{
	const auto it = _watches.find(fd);
	if (it == _watches.end()) return;
	epoll_event event{};
	event.events = events | (edge ? EPOLLET : 0u);
	event.data.u64 = packed(fd, it->second.generation);
	::epoll_ctl(_epoll, EPOLL_CTL_MOD, fd, &event);
}

void EventLoop::unwatch(int fd)
{
	if (_watches.erase(fd) == 0) return;
	::epoll_ctl(_epoll, EPOLL_CTL_DEL, fd, nullptr);
}

EventLoop::TimerId EventLoop::after(Poco::Timespan delay, Task task)
{
	const TimerId id = _nextTimer++;
	_timers.emplace(id, std::move(task));
	_due.emplace((Poco::Timestamp() + delay).epochMicroseconds(), id);
	return id;
}

bool EventLoop::cancel(TimerId id)
{
	return _timers.erase(id) > 0;
}

int EventLoop::nextTimeout(Poco::Timestamp now) const
{
	if (_due.empty()) return -1;
	const Poco::Timestamp::TimeDiff wait = _due.top().first - now.epochMicroseconds();
	if (wait <= 0) return 0;
	return static_cast<int>((wait + 999) / 1000); // never wake before the timer is due
}

void EventLoop::runTimers(Poco::Timestamp now)
{
	while (!_due.empty() && _due.top().first <= now.epochMicroseconds())
	{
		const TimerId id = _due.top().second;
		_due.pop();
		const auto it = _timers.find(id);
		if (it == _timers.end()) continue; // cancelled
		Task task = std::move(it->second);
		_timers.erase(it);
		task();
	}
	// Cancelled timers leave their entries behind: drop them once they lead,
	// so they neither wake the loop early nor pile up.
	while (!_due.empty() && !_timers.count(_due.top().second)) _due.pop();
}

void EventLoop::runPosted()
{
	std::vector<Task> tasks;
	for (int round = 0; round < kPostedRoundsPerTurn; ++round)
	{
		{
			Poco::FastMutex::ScopedLock lock(_postMutex);
			if (_posted.empty()) return;
			tasks.swap(_posted);
		}
		for (auto& task : tasks) task();
		tasks.clear();
	}
}

void EventLoop::runTurnEnd()
{
	std::vector<Task> tasks;
	tasks.swap(_turnEnd);
	for (auto& task : tasks) task();
	// What those added waits for the next turn, which comes at once.
	if (!_turnEnd.empty()) post([] {});
}

void EventLoop::run()
{
	_owner = std::this_thread::get_id();
	epoll_event events[kEventsPerWait];
	while (!_stopped)
	{
		bool posted;
		{
			Poco::FastMutex::ScopedLock lock(_postMutex);
			posted = !_posted.empty(); // posted by the loop itself, which did not wake it
		}
		const int ready = ::epoll_wait(_epoll, events, kEventsPerWait, posted ? 0 : nextTimeout(Poco::Timestamp()));
		if (ready < 0 && errno != EINTR) throw Poco::SystemException(std::string("epoll_wait: ") + std::strerror(errno));
		for (int i = 0; i < ready; ++i)
		{
			const int fd = static_cast<int>(events[i].data.u64 & 0xffffffffu);
			if (fd == _wakeFd)
			{
				std::uint64_t count;
				while (::read(_wakeFd, &count, sizeof(count)) > 0)
				{
				}
				continue;
			}
			const auto it = _watches.find(fd);
			if (it == _watches.end() || it->second.generation != events[i].data.u64 >> 32) continue; // unwatched meanwhile
			const std::shared_ptr<Callback> callback = it->second.callback;
			(*callback)(events[i].events);
		}
		runPosted();
		runTimers(Poco::Timestamp());
		runTurnEnd();
	}
	runPosted();
	runTurnEnd();
	_owner = std::thread::id();
}

} // namespace p2p
