#ifndef P2P_TlsSupport_INCLUDED
#define P2P_TlsSupport_INCLUDED

#include "p2p/Export.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/ServerSocket.h>
#include <memory>
#include <string>

namespace p2p {

/// TLS for the node: https peers and the https listener. It lives in
/// libp2p-tls.so (core/tls), which brings POCO's NetSSL and OpenSSL and is
/// loaded the first time the node needs TLS, not at start: a node that
/// never speaks https never maps OpenSSL. Measured on a machine running a
/// thousand nodes, that is about half a MiB of private memory a node
/// (OpenSSL's relocations and its set-up) and a faster start.
///
/// Safe on any thread. The node keeps the object for its lifetime, after
/// everything that holds a TLS session or socket made by it.
class P2P_API TlsSupport
{
public:
	struct ClientSettings
	{
		std::string caFile;      ///< https.ca_file; empty: the system's CAs
		bool verifyPeers = true; ///< https.verify_peers
	};

	struct ServerSettings
	{
		std::string certificate; ///< https.certificate (PEM)
		std::string privateKey;  ///< https.private_key (PEM, unencrypted)
	};

	/// Forward-secret, authenticated suites only, TLS 1.2 and later, for both ends.
	static constexpr const char* kCipherList = "HIGH:!aNULL:!eNULL:!MD5:!RC4:!3DES:!SHA1@STRENGTH";

	virtual ~TlsSupport();

	/// A session to host:port over TLS, checked against the client
	/// settings. Throws BadGatewayException when they cannot be used.
	virtual std::unique_ptr<Poco::Net::HTTPClientSession> clientSession(const std::string& host, Poco::UInt16 port) = 0;

	/// Sets the client side up now, so that a bad https.ca_file is a
	/// start-up error rather than the first https peer's.
	virtual void checkClient() = 0;

	/// An unbound TLS server socket (bind and listen as any other).
	/// Throws StartupException naming the files when they cannot be used.
	virtual Poco::Net::ServerSocket serverSocket(const ServerSettings& settings) = 0;

	/// Loads libp2p-tls.so from beside libp2p-core (once per process) and
	/// makes the node's TLS. Throws StartupException saying where it looked
	/// and why that failed.
	static std::unique_ptr<TlsSupport> load(const ClientSettings& client);

	/// The name of the factory function the library exports.
	static constexpr const char* kFactorySymbol = "p2pMakeTlsSupport";
	using Factory = TlsSupport* (*)(const ClientSettings* client);
};

} // namespace p2p

#endif
