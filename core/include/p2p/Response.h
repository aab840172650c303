#ifndef P2P_Response_INCLUDED
#define P2P_Response_INCLUDED

#include "p2p/Export.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Timespan.h>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace p2p {

/// An answer a handler gives after it has returned: from another node's
/// answer that arrives on the event loop, or from work it handed to a
/// thread of its own. Copyable; send() or fail() once, from any thread.
class P2P_API AnswerLater
{
public:
	using Headers = std::vector<std::pair<std::string, std::string>>;

	/// Sends a complete body with the given type and status, and headers
	/// beside the response's own.
	void send(const std::string& body, const std::string& contentType, int status = 200, const Headers& headers = {}) const;
	/// Answers with the error exc stands for, as the router answers what a
	/// handler throws.
	void fail(const Poco::Exception& exc) const;
	/// Runs task after delay on the event loop that writes this answer,
	/// answered meanwhile or not (the task checks): the timer of a hedged
	/// request. From any thread.
	void after(Poco::Timespan delay, std::function<void()> task) const;

	/// The core's side (core/src/http). Opaque to plugins.
	class Impl;
	explicit AnswerLater(std::shared_ptr<Impl> impl): _impl(std::move(impl)) {}
	const std::shared_ptr<Impl>& impl() const { return _impl; }

private:
	std::shared_ptr<Impl> _impl;
};

/// The answer to one request. Handlers send exactly one response, either
/// through these helpers or through http() for streaming; errors are thrown,
/// not sent, so the router can answer them uniformly.
class P2P_API Response
{
public:
	explicit Response(Poco::Net::HTTPServerResponse& http);

	/// Sends value as compact JSON with Content-Type application/json.
	void json(const Poco::Dynamic::Var& value, int status = 200);

	/// Sends a complete body with the given type.
	void send(const std::string& body, const std::string& contentType, int status = 200);

	/// Whether headers have been sent (after which an error can only be logged).
	bool sent() const { return _http.sent(); }

	/// Whether this response may be answered after the handler returns:
	/// on the event-loop server (http.engine = loop).
	bool canAnswerLater() const;
	/// Keeps the response open past the handler's return, to be answered
	/// through what this returns (a handler that calls it sends nothing
	/// itself). Only when canAnswerLater(); throws Poco::IllegalStateException
	/// otherwise.
	AnswerLater later();

	Poco::Net::HTTPServerResponse& http() { return _http; }

private:
	Poco::Net::HTTPServerResponse& _http;
};

} // namespace p2p

#endif
