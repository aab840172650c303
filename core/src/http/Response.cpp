#include "p2p/Response.h"
#include "event/EventLoop.h"
#include "http/AnswerLaterImpl.h"
#include "p2p/Json.h"

namespace p2p {

Response::Response(Poco::Net::HTTPServerResponse& http): _http(http)
{
}

void Response::json(const Poco::Dynamic::Var& value, int status)
{
	send(json::stringify(value), "application/json", status);
}

void Response::send(const std::string& body, const std::string& contentType, int status)
{
	_http.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
	_http.setContentType(contentType);
	_http.setContentLength(static_cast<std::streamsize>(body.size()));
	_http.send().write(body.data(), static_cast<std::streamsize>(body.size()));
}

bool Response::canAnswerLater() const
{
	return dynamic_cast<AnswersLater*>(&_http) != nullptr;
}

AnswerLater Response::later()
{
	auto* server = dynamic_cast<AnswersLater*>(&_http);
	if (!server) throw Poco::IllegalStateException("this response cannot be answered later (http.engine = threads)");
	return AnswerLater(server->later());
}

AnswerLater::Impl::~Impl() = default;

AnswersLater::~AnswersLater() = default;

void AnswerLater::send(const std::string& body, const std::string& contentType, int status, const Headers& headers) const
{
	_impl->send(body, contentType, status, headers);
}

void AnswerLater::fail(const Poco::Exception& exc) const
{
	_impl->fail(exc);
}

void AnswerLater::after(Poco::Timespan delay, std::function<void()> task) const
{
	EventLoop& loop = _impl->loop();
	// Timers belong to the loop's thread.
	if (loop.inLoopThread())
		loop.after(delay, std::move(task));
	else
		loop.post([&loop, delay, task = std::move(task)]() mutable { loop.after(delay, std::move(task)); });
}

} // namespace p2p
