#ifndef P2P_Tests_RunningLoop_INCLUDED
#define P2P_Tests_RunningLoop_INCLUDED

#include "event/EventLoop.h"
#include "http/AnswerLaterImpl.h"
#include <cppunit/extensions/HelperMacros.h>
#include <future>
#include <thread>

namespace p2p::test {

/// A loop on a thread of its own for one test, stopped and joined at the end.
class RunningLoop
{
public:
	RunningLoop(): _thread([this] { loop.run(); }) {}
	~RunningLoop()
	{
		loop.stop();
		_thread.join();
	}

	/// Runs task on the loop and waits (up to five seconds) for its result.
	template <typename Task>
	auto onLoop(Task task) -> decltype(task())
	{
		std::packaged_task<decltype(task())()> packaged(std::move(task));
		auto result = packaged.get_future();
		loop.post([&packaged] { packaged(); });
		CPPUNIT_ASSERT(result.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
		return result.get();
	}

	p2p::EventLoop loop;

private:
	std::thread _thread;
};

/// An answer-later that only names its loop: what PeerClient::sendAsync()
/// needs of it.
class OnLoop: public AnswerLater::Impl
{
public:
	explicit OnLoop(EventLoop& loop): _loop(loop) {}
	EventLoop& loop() override { return _loop; }
	void send(const std::string&, const std::string&, int, const AnswerLater::Headers&) override {}
	void fail(const Poco::Exception&) override {}

private:
	EventLoop& _loop;
};

} // namespace p2p::test

#endif
