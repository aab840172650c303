#include "event/EventLoops.h"
#include <pthread.h>

namespace p2p {

namespace {

thread_local EventLoop* currentLoop = nullptr;

} // namespace

EventLoops::EventLoops(std::size_t count, std::string name): _name(std::move(name))
{
	for (std::size_t i = 0; i < count; ++i) _loops.push_back(std::make_unique<EventLoop>());
}

EventLoops::~EventLoops()
{
	stop();
}

void EventLoops::start()
{
	for (std::size_t i = 0; i < _loops.size(); ++i)
	{
		EventLoop* loop = _loops[i].get();
		const std::string threadName = (_name + "-" + std::to_string(i)).substr(0, 15); // the kernel's limit
		_threads.emplace_back([loop, threadName] {
			::pthread_setname_np(::pthread_self(), threadName.c_str());
			currentLoop = loop;
			loop->run();
			currentLoop = nullptr;
		});
	}
}

void EventLoops::stop()
{
	for (auto& loop : _loops) loop->stop();
	for (auto& thread : _threads)
		if (thread.joinable()) thread.join();
	_threads.clear();
}

EventLoop* EventLoops::current()
{
	return currentLoop;
}

} // namespace p2p
