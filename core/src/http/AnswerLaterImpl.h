#ifndef P2P_AnswerLaterImpl_INCLUDED
#define P2P_AnswerLaterImpl_INCLUDED

#include "p2p/Response.h"

namespace p2p {

class EventLoop;

/// The core's side of an AnswerLater: a response of the event-loop server
/// that stays open after its handler returned. Implemented by LoopExchange;
/// declared here, in libp2p-core, so that the plugin API (Response,
/// PeerClient) can reach it without knowing the server.
class P2P_API AnswerLater::Impl
{
public:
	virtual ~Impl();
	/// The loop that writes the answer: a peer request that completes it
	/// runs there, so its answer needs no other thread.
	virtual EventLoop& loop() = 0;
	/// Thread-safe; the first answer wins, later ones are dropped.
	virtual void send(const std::string& body, const std::string& contentType, int status,
	                  const AnswerLater::Headers& headers) = 0;
	virtual void fail(const Poco::Exception& exc) = 0;
};

/// A server response that can be answered later (LoopExchange's).
class P2P_API AnswersLater
{
public:
	virtual ~AnswersLater();
	/// Marks the response deferred and returns its answering side.
	virtual std::shared_ptr<AnswerLater::Impl> later() = 0;
	/// Whether later() was called: the handler's return is not its answer.
	virtual bool deferred() const = 0;
	/// Called once the late answer is out (its status set), on the loop:
	/// where the router records it.
	virtual void whenAnswered(std::function<void()> done) = 0;
};

} // namespace p2p

#endif
