#ifndef P2P_EventLoops_INCLUDED
#define P2P_EventLoops_INCLUDED

#include "event/EventLoop.h"
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace p2p {

/// A fixed set of EventLoops, each on a thread of its own, named
/// <name>-<n>. Started and stopped from one thread (the node's main thread).
class P2P_API EventLoops
{
public:
	EventLoops(std::size_t count, std::string name);
	~EventLoops();

	EventLoops(const EventLoops&) = delete;
	EventLoops& operator=(const EventLoops&) = delete;

	void start();
	/// Stops every loop and joins its thread.
	void stop();

	std::size_t size() const { return _loops.size(); }
	EventLoop& at(std::size_t index) { return *_loops.at(index); }
	/// The loop running on the calling thread, or nullptr on any other thread.
	static EventLoop* current();

private:
	const std::string _name;
	std::vector<std::unique_ptr<EventLoop>> _loops;
	std::vector<std::thread> _threads;
};

} // namespace p2p

#endif
