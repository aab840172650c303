#include "PeerSecurity.h"
#include "p2p/Errors.h"

namespace p2p {

PeerSecurity::PeerSecurity(std::shared_ptr<const RequestSigner> signer, std::string caFile, bool verifyPeers,
                           std::function<void()> beforeTls):
	_signer(std::move(signer)),
	_caFile(std::move(caFile)),
	_verifyPeers(verifyPeers),
	_beforeTls(std::move(beforeTls))
{
}

void PeerSecurity::refuseOldProtocols(Poco::Net::Context& context)
{
	context.disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
	                         Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
}

Poco::Net::Context::Ptr PeerSecurity::tlsContext() const
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	if (_context) return _context;
	if (_beforeTls) _beforeTls();
	try
	{
		// VERIFY_RELAXED on a client checks the peer's chain against the CA
		// file (or the system's CAs), and POCO then checks that the
		// certificate names the host we dialled.
		_context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", _caFile,
		                                  _verifyPeers ? Poco::Net::Context::VERIFY_RELAXED : Poco::Net::Context::VERIFY_NONE,
		                                  9, _caFile.empty(), kCipherList);
		refuseOldProtocols(*_context);
	}
	catch (const Poco::Exception& exc)
	{
		throw BadGatewayException("cannot set up TLS to other nodes (https.ca_file '" + _caFile + "'): " + exc.displayText());
	}
	return _context;
}

} // namespace p2p
