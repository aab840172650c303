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

	struct ClientError
	{
		int status;
		std::string sentence;
	};
	/// What a client is told of exc, wherever it is answered (the router, or
	/// a late answer): its status and sentence, except that a 500 (a bug of
	/// ours, or a failure nobody mapped) is told internalErrorSentence() and
	/// exc's text goes to the "http" log with the request id and `request`
	/// ("GET /kv/x").
	static ClientError forClient(const Poco::Exception& exc, const std::string& requestId, const std::string& request);
	static std::string internalErrorSentence(const std::string& requestId);
};

} // namespace p2p

#endif
