#ifndef P2P_KvStore_Reply_INCLUDED
#define P2P_KvStore_Reply_INCLUDED

#include "p2p/Response.h"
#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/Timespan.h>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace p2p::kvstore {

/// A handler's answer that other threads give, when the quorum is in. On
/// the event-loop server it goes out through the response's later side
/// (Response::later()) and the handler returns at once; on the threads
/// server, which cannot answer after the handler, the handler waits for it
/// in finish(). Thread-safe; the first answer counts.
class Reply
{
public:
	/// The reply to response, made on the handler's thread.
	static std::shared_ptr<Reply> to(Response& response);

	/// The response to reach other nodes from, when it waits on a loop.
	const std::optional<AnswerLater>& loop() const { return _later; }

	void json(const Poco::JSON::Object::Ptr& body);
	/// A JSON answer already written out.
	void jsonText(std::string text);
	/// Answers with the error exc stands for, as the router answers a throw.
	void fail(const Poco::Exception& exc);

	/// On the handler's thread, after the work has started: returns at once
	/// when the answer goes later; otherwise waits for it (at most
	/// `patience`) and sends it through response, or throws its error.
	void finish(Response& response, Poco::Timespan patience);

	explicit Reply(std::optional<AnswerLater> later): _later(std::move(later)) {}

private:
	const std::optional<AnswerLater> _later;

	// Without a later side: the answer, for finish() to send.
	std::mutex _mutex;
	std::condition_variable _answered;
	bool _done = false;
	std::string _body;
	std::unique_ptr<Poco::Exception> _error;
};

} // namespace p2p::kvstore

#endif
