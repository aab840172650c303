#ifndef P2P_AccessControl_INCLUDED
#define P2P_AccessControl_INCLUDED

#include "security/ClientCredentials.h"
#include "security/ReplayGuard.h"
#include "security/RequestSigner.h"
#include "p2p/Router.h"
#include <Poco/Net/HTTPServerRequest.h>
#include <memory>

namespace p2p {

/// Decides whether a request may reach its route (Access), from the
/// cluster signature (RequestSigner) and the client's bearer credential
/// (ClientCredentials). The router asks twice: admit() before the body is
/// read, so strangers cannot make a node read their uploads, and
/// checkBody() once a whole body (JSON or bytes) is in hand, since its signature covers it.
/// A verified signature is taken once (ReplayGuard).
///
/// Safe on any thread.
class AccessControl
{
public:
	/// Either may be null: no cluster.secret, no http.auth. replays: what
	/// remembers the signatures taken (null: a new one, for the signer's skew).
	AccessControl(std::shared_ptr<const RequestSigner> signer, std::shared_ptr<const ClientCredentials> clients,
	              std::shared_ptr<ReplayGuard> replays = nullptr);

	/// What admit() found, and leaves for checkBody().
	struct Admission
	{
		bool bodySignatureToCheck = false;
		/// A valid cluster signature (so far as checked: see above).
		bool signedByNode = false;
		RequestSignature claim;
	};

	/// Throws UnauthorizedException when the request may not go on.
	Admission admit(const Poco::Net::HTTPServerRequest& request, const RouteOptions& route) const;

	/// For a body read in full (Body::Json, Body::Bytes): throws UnauthorizedException unless its
	/// signature covers exactly these bytes.
	void checkBody(const Poco::Net::HTTPServerRequest& request, Admission& admission, const std::string& body) const;

	/// Whether Request::fromNode() holds: signed, or no secret to sign with.
	bool fromNode(const Admission& admission) const { return !_signer || admission.signedByNode; }

	/// True when a refusal should carry WWW-Authenticate: Bearer.
	bool asksClientsForTokens() const { return _clients && _clients->required(); }

private:
	static RequestSignature claimOf(const Poco::Net::HTTPServerRequest& request);
	/// The signer's verify(), then the nonce taken.
	void verify(const Poco::Net::HTTPServerRequest& request, const std::string& bodyHash, Admission& admission) const;

	std::shared_ptr<const RequestSigner> _signer;
	std::shared_ptr<const ClientCredentials> _clients;
	std::shared_ptr<ReplayGuard> _replays;
};

} // namespace p2p

#endif
