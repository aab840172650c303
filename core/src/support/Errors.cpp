#include "p2p/Errors.h"
#include <typeinfo>

namespace p2p {

POCO_IMPLEMENT_EXCEPTION(BadRequestException, Poco::InvalidArgumentException, "Bad request")
POCO_IMPLEMENT_EXCEPTION(UnauthorizedException, Poco::RuntimeException, "Unauthorized")
POCO_IMPLEMENT_EXCEPTION(ForbiddenException, Poco::NoPermissionException, "Forbidden")
POCO_IMPLEMENT_EXCEPTION(ConflictException, Poco::LogicException, "Conflict")
POCO_IMPLEMENT_EXCEPTION(LengthRequiredException, BadRequestException, "Length required")
POCO_IMPLEMENT_EXCEPTION(PayloadTooLargeException, BadRequestException, "Payload too large")
POCO_IMPLEMENT_EXCEPTION(UnsupportedMediaTypeException, BadRequestException, "Unsupported media type")
POCO_IMPLEMENT_EXCEPTION(RangeNotSatisfiableException, BadRequestException, "Range not satisfiable")
POCO_IMPLEMENT_EXCEPTION(BadGatewayException, Poco::IOException, "Bad gateway")
POCO_IMPLEMENT_EXCEPTION(ServiceUnavailableException, Poco::IOException, "Service unavailable")
POCO_IMPLEMENT_EXCEPTION(GatewayTimeoutException, Poco::TimeoutException, "Gateway timeout")
POCO_IMPLEMENT_EXCEPTION(InsufficientStorageException, Poco::IOException, "Insufficient storage")
POCO_IMPLEMENT_EXCEPTION(LoopDetectedException, Poco::RuntimeException, "Loop detected")
POCO_IMPLEMENT_EXCEPTION(StartupException, Poco::RuntimeException, "Start-up failed")

} // namespace p2p
