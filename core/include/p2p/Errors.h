#ifndef P2P_Errors_INCLUDED
#define P2P_Errors_INCLUDED

#include "p2p/Export.h"

#include <Poco/Exception.h>

namespace p2p {

// Exceptions a handler throws where it finds a problem. The router maps each
// to one HTTP status in one place (ErrorMapper); the message becomes the
// "error" sentence of the JSON body, so write it for the user who sent the
// request: name the bad field or value.
//
// POCO's own exceptions are mapped too: InvalidArgumentException,
// SyntaxException, DataFormatException, JSON::JSONException and
// Net::MessageException -> 400; NoPermissionException -> 403;
// NotFoundException -> 404; ExistsException -> 409; TimeoutException -> 408
// (the client was too slow); anything else -> 500 with a generic sentence.
// A failure talking to another node is a BadGateway/GatewayTimeout/
// ServiceUnavailable exception of ours, thrown where it is understood.

POCO_DECLARE_EXCEPTION(P2P_API, BadRequestException, Poco::InvalidArgumentException)        // 400
/// Missing or wrong credentials: a client without http.auth.* credentials,
/// a node request without a valid cluster.secret signature.
POCO_DECLARE_EXCEPTION(P2P_API, UnauthorizedException, Poco::RuntimeException)              // 401
POCO_DECLARE_EXCEPTION(P2P_API, ForbiddenException, Poco::NoPermissionException)            // 403
POCO_DECLARE_EXCEPTION(P2P_API, ConflictException, Poco::LogicException)                    // 409
POCO_DECLARE_EXCEPTION(P2P_API, LengthRequiredException, BadRequestException)               // 411
POCO_DECLARE_EXCEPTION(P2P_API, PayloadTooLargeException, BadRequestException)              // 413
POCO_DECLARE_EXCEPTION(P2P_API, UnsupportedMediaTypeException, BadRequestException)         // 415
POCO_DECLARE_EXCEPTION(P2P_API, RangeNotSatisfiableException, BadRequestException)          // 416
POCO_DECLARE_EXCEPTION(P2P_API, BadGatewayException, Poco::IOException)                     // 502
POCO_DECLARE_EXCEPTION(P2P_API, ServiceUnavailableException, Poco::IOException)             // 503
POCO_DECLARE_EXCEPTION(P2P_API, GatewayTimeoutException, Poco::TimeoutException)            // 504
POCO_DECLARE_EXCEPTION(P2P_API, InsufficientStorageException, Poco::IOException)            // 507
POCO_DECLARE_EXCEPTION(P2P_API, LoopDetectedException, Poco::RuntimeException)              // 508

/// A node refuses to start: bad configuration, a plugin that cannot be
/// loaded or started. The message is the one line the operator sees.
POCO_DECLARE_EXCEPTION(P2P_API, StartupException, Poco::RuntimeException)

} // namespace p2p

#endif
