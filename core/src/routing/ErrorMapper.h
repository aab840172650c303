#ifndef P2P_ErrorMapper_INCLUDED
#define P2P_ErrorMapper_INCLUDED

#include <Poco/Exception.h>
#include <string>

namespace p2p {

/// The one place where exceptions become HTTP statuses (see Errors.h for
/// the table). Stateless.
class ErrorMapper
{
public:
	static int statusFor(const Poco::Exception& exc);

	/// The sentence for the client: the exception's message, or its name
	/// when it has none. Never used for 5xx answers caused by our own bugs,
	/// which get a generic sentence and a log line instead.
	static std::string sentenceFor(const Poco::Exception& exc);
};

} // namespace p2p

#endif
