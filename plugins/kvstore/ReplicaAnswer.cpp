#include "ReplicaAnswer.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"

namespace p2p::kvstore {

void expectOk(const Owner& owner, const std::string& what, const PeerResponse& answer)
{
	if (answer.status == 200) return;
	std::string reason = "status " + std::to_string(answer.status);
	try
	{
		reason = json::asObject(json::parse(answer.body))->optValue<std::string>("error", reason);
	}
	catch (const Poco::Exception&)
	{
		// not JSON: the status says enough
	}
	throw BadGatewayException("node " + owner.id + " refused " + what + ": " + reason);
}

} // namespace p2p::kvstore
