#include "security/AccessControl.h"
#include "p2p/Errors.h"

namespace p2p {

AccessControl::AccessControl(std::shared_ptr<const RequestSigner> signer, std::shared_ptr<const ClientCredentials> clients,
                             std::shared_ptr<ReplayGuard> replays):
	_signer(std::move(signer)),
	_clients(std::move(clients)),
	_replays(std::move(replays))
{
	if (_signer && !_replays) _replays = std::make_shared<ReplayGuard>(_signer->maxSkewSeconds());
}

RequestSignature AccessControl::claimOf(const Poco::Net::HTTPServerRequest& request)
{
	RequestSignature claim;
	// Copies: get() with a default may hand back a temporary.
	claim.node = request.get(RequestSigner::NodeHeader, "");
	claim.time = request.get(RequestSigner::TimeHeader, "");
	claim.bodyHash = request.get(RequestSigner::BodyHashHeader, "");
	claim.signature = request.get(RequestSigner::SignatureHeader, "");
	claim.nonce = request.get(RequestSigner::NonceHeader, "");
	claim.to = request.get(RequestSigner::ToHeader, "");
	return claim;
}

AccessControl::Admission AccessControl::admit(const Poco::Net::HTTPServerRequest& request, const RouteOptions& route) const
{
	Admission admission;
	if (route.access == Access::Public) return admission;

	if (_signer)
	{
		admission.claim = claimOf(request);
		// A signature, once there, must be right even where a client token
		// would do: a node with the wrong secret should hear about it.
		if (admission.claim.present() || route.access == Access::Peer)
		{
			_signer->checkHead(admission.claim);
			if (route.body == Body::Json || route.body == Body::Bytes)
			{
				admission.bodySignatureToCheck = true;
				return admission;
			}
			// A streamed body is the handler's to read: the signature vouches
			// for the head and for the hash the sender claims. A route that
			// takes no body checks against the empty one.
			const std::string& bodyHash =
				route.body == Body::Stream ? admission.claim.bodyHash : RequestSigner::EmptyBodyHash;
			verify(request, bodyHash, admission);
			return admission;
		}
	}
	if (route.access == Access::Client && _clients) _clients->check(request.get("Authorization", ""));
	return admission;
}

void AccessControl::checkBody(const Poco::Net::HTTPServerRequest& request, Admission& admission,
                              const std::string& body) const
{
	if (!admission.bodySignatureToCheck) return;
	verify(request, RequestSigner::sha256Hex(body), admission);
}

void AccessControl::verify(const Poco::Net::HTTPServerRequest& request, const std::string& bodyHash,
                           Admission& admission) const
{
	_signer->verify(request.getMethod(), request.getURI(), bodyHash, admission.claim);
	_replays->admit(admission.claim);
	admission.signedByNode = true;
}

} // namespace p2p
