#include "security/PeerSecurity.h"
#include "p2p/Errors.h"

namespace p2p {

PeerSecurity::PeerSecurity(std::shared_ptr<const RequestSigner> signer, std::function<TlsSupport&()> tls):
	_signer(std::move(signer)),
	_tls(std::move(tls))
{
}

RequestSigner::Headers PeerSecurity::sign(const std::string& method, const std::string& target,
                                          const std::string& bodyHash, const std::string& host, Poco::UInt16 port) const
{
	return _signer->sign(method, target, bodyHash, _stamps->next(host, port));
}

std::unique_ptr<Poco::Net::HTTPClientSession> PeerSecurity::tlsSession(const std::string& host, Poco::UInt16 port) const
{
	if (!_tls) throw BadGatewayException("cannot reach https://" + host + ":" + std::to_string(port) + ": this client has no TLS");
	try
	{
		return _tls().clientSession(host, port);
	}
	catch (const StartupException& exc)
	{
		// The TLS library itself is missing: a peer we cannot reach, said why.
		throw BadGatewayException(exc.message());
	}
}

} // namespace p2p
