// libp2p-tls.so: the node's TLS, on POCO's NetSSL and OpenSSL, loaded by
// TlsSupport::load() when a node first needs it (core/src/security/TlsSupport.h).
#include "security/TlsSupport.h"
#include "p2p/Errors.h"
#include <Poco/Mutex.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SecureServerSocket.h>

namespace p2p {

namespace {

void refuseOldProtocols(Poco::Net::Context& context)
{
	context.disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
	                         Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
}

class OpenSslTls: public TlsSupport
{
public:
	explicit OpenSslTls(ClientSettings client): _client(std::move(client)) { Poco::Net::initializeSSL(); }

	~OpenSslTls() override
	{
		_context = nullptr;
		Poco::Net::uninitializeSSL();
	}

	std::unique_ptr<Poco::Net::HTTPClientSession> clientSession(const std::string& host, Poco::UInt16 port) override
	{
		return std::make_unique<Poco::Net::HTTPSClientSession>(host, port, clientContext());
	}

	void checkClient() override { clientContext(); }

	Poco::Net::ServerSocket serverSocket(const ServerSettings& settings) override
	{
		try
		{
			// Clients are not asked for certificates: nodes prove themselves
			// with cluster.secret, clients with http.auth.
			Poco::Net::Context::Ptr context =
				new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, settings.privateKey, settings.certificate, "",
				                       Poco::Net::Context::VERIFY_NONE, 9, false, kCipherList);
			refuseOldProtocols(*context);
			context->enableSessionCache(true, "p2p-node");
			return Poco::Net::SecureServerSocket(context);
		}
		catch (const Poco::Exception& exc)
		{
			throw StartupException("cannot use https.certificate '" + settings.certificate + "' and https.private_key '" +
			                       settings.privateKey + "': " + exc.displayText());
		}
	}

private:
	/// The context for https peers, made on first use: loading the system's
	/// CA store costs time and memory that nodes which never speak https to
	/// a peer should not pay.
	Poco::Net::Context::Ptr clientContext()
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		if (_context) return _context;
		try
		{
			// VERIFY_RELAXED on a client checks the peer's chain against the CA
			// file (or the system's CAs), and POCO then checks that the
			// certificate names the host we dialled.
			_context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", _client.caFile,
			                                  _client.verifyPeers ? Poco::Net::Context::VERIFY_RELAXED
			                                                      : Poco::Net::Context::VERIFY_NONE,
			                                  9, _client.caFile.empty(), kCipherList);
			refuseOldProtocols(*_context);
		}
		catch (const Poco::Exception& exc)
		{
			throw BadGatewayException("cannot set up TLS to other nodes (https.ca_file '" + _client.caFile +
			                          "'): " + exc.displayText());
		}
		return _context;
	}

	const ClientSettings _client;
	Poco::FastMutex _mutex;
	Poco::Net::Context::Ptr _context;
};

} // namespace

} // namespace p2p

extern "C" __attribute__((visibility("default"))) p2p::TlsSupport* p2pMakeTlsSupport(const p2p::TlsSupport::ClientSettings* client)
{
	return new p2p::OpenSslTls(*client);
}
