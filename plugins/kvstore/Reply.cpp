#include "Reply.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"

namespace p2p::kvstore {

std::shared_ptr<Reply> Reply::to(Response& response)
{
	return std::make_shared<Reply>(response.canAnswerLater() ? std::optional<AnswerLater>(response.later()) : std::nullopt);
}

void Reply::json(const Poco::JSON::Object::Ptr& body)
{
	jsonText(json::stringify(body));
}

void Reply::jsonText(std::string text)
{
	if (_later) return _later->send(text, "application/json");
	std::lock_guard<std::mutex> lock(_mutex);
	if (_done) return;
	_body = std::move(text);
	_done = true;
	_answered.notify_all();
}

void Reply::fail(const Poco::Exception& exc)
{
	if (_later) return _later->fail(exc);
	std::lock_guard<std::mutex> lock(_mutex);
	if (_done) return;
	_error.reset(exc.clone());
	_done = true;
	_answered.notify_all();
}

void Reply::finish(Response& response, Poco::Timespan patience)
{
	if (_later) return;
	std::unique_lock<std::mutex> lock(_mutex);
	if (!_answered.wait_for(lock, std::chrono::microseconds(patience.totalMicroseconds()), [this] { return _done; }))
		throw GatewayTimeoutException("the replicas did not answer within " + std::to_string(patience.totalMilliseconds()) +
		                              " ms");
	if (_error) _error->rethrow();
	response.send(_body, "application/json");
}

} // namespace p2p::kvstore
