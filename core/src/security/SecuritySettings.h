#ifndef P2P_SecuritySettings_INCLUDED
#define P2P_SecuritySettings_INCLUDED

#include <Poco/Util/AbstractConfiguration.h>
#include <string>

namespace p2p {

/// The node's security properties, read and checked together because they
/// depend on each other: cluster.secret(_file), cluster.max_clock_skew_s,
/// http.auth.token(_file), http.auth.jwt_secret(_file), https.*.
struct SecuritySettings
{
	std::string clusterSecret;
	int maxClockSkewSeconds = 30;
	std::string authToken;
	std::string jwtSecret;

	int httpsPort = -1; ///< -1: no https listener
	std::string httpsHost;
	std::string certificate;
	std::string privateKey;
	std::string caFile;
	bool verifyPeers = true;

	/// Throws StartupException naming the property at fault.
	static SecuritySettings read(const Poco::Util::AbstractConfiguration& config);

	bool httpsEnabled() const { return httpsPort >= 0; }
};

} // namespace p2p

#endif
