#include "routing/ErrorMapper.h"
#include "p2p/Errors.h"
#include "p2p/LogText.h"
#include <Poco/JSON/JSONException.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>

namespace p2p {

namespace {

template <class E>
bool is(const Poco::Exception& exc)
{
	return dynamic_cast<const E*>(&exc) != nullptr;
}

} // namespace

int ErrorMapper::statusFor(const Poco::Exception& exc)
{
	using S = Poco::Net::HTTPResponse::HTTPStatus;
	// Most derived first: several of ours refine BadRequestException.
	if (is<LengthRequiredException>(exc)) return S::HTTP_LENGTH_REQUIRED;
	if (is<PayloadTooLargeException>(exc)) return S::HTTP_REQUEST_ENTITY_TOO_LARGE;
	if (is<UnsupportedMediaTypeException>(exc)) return S::HTTP_UNSUPPORTEDMEDIATYPE;
	if (is<RangeNotSatisfiableException>(exc)) return S::HTTP_REQUESTED_RANGE_NOT_SATISFIABLE;
	if (is<Poco::InvalidArgumentException>(exc) || is<Poco::SyntaxException>(exc) ||
	    is<Poco::DataFormatException>(exc) || is<Poco::JSON::JSONException>(exc) ||
	    is<Poco::Net::MessageException>(exc))
		return S::HTTP_BAD_REQUEST;
	if (is<UnauthorizedException>(exc)) return S::HTTP_UNAUTHORIZED;
	if (is<Poco::NoPermissionException>(exc)) return S::HTTP_FORBIDDEN;
	if (is<Poco::NotFoundException>(exc)) return S::HTTP_NOT_FOUND;
	if (is<ConflictException>(exc) || is<Poco::ExistsException>(exc)) return S::HTTP_CONFLICT;
	// Gateway statuses only for what a plugin says went wrong upstream: a
	// bare socket timeout in a handler is the client being slow.
	if (is<GatewayTimeoutException>(exc)) return S::HTTP_GATEWAY_TIMEOUT;
	if (is<Poco::TimeoutException>(exc)) return S::HTTP_REQUEST_TIMEOUT;
	if (is<BadGatewayException>(exc)) return S::HTTP_BAD_GATEWAY;
	if (is<ServiceUnavailableException>(exc)) return S::HTTP_SERVICE_UNAVAILABLE;
	if (is<InsufficientStorageException>(exc)) return 507;
	if (is<LoopDetectedException>(exc)) return 508;
	return S::HTTP_INTERNAL_SERVER_ERROR;
}

std::string ErrorMapper::sentenceFor(const Poco::Exception& exc)
{
	return exc.message().empty() ? std::string(exc.name()) : exc.message();
}

ErrorMapper::ClientError ErrorMapper::forClient(const Poco::Exception& exc, const std::string& requestId,
                                               const std::string& request)
{
	const int status = statusFor(exc);
	if (status != Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR) return {status, sentenceFor(exc)};
	Poco::Logger::get("http").error("request %s %s failed: %s", requestId, printable(request), printable(exc.displayText()));
	return {status, internalErrorSentence(requestId)};
}

std::string ErrorMapper::internalErrorSentence(const std::string& requestId)
{
	return "internal error while handling the request; the node's log has details under request id " + requestId;
}

} // namespace p2p
