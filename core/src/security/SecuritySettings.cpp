#include "security/SecuritySettings.h"
#include "security/Secrets.h"
#include "p2p/Errors.h"
#include "p2p/Settings.h"

namespace p2p {

SecuritySettings SecuritySettings::read(const Poco::Util::AbstractConfiguration& config)
{
	SecuritySettings s;
	s.clusterSecret = secrets::read(config, "cluster.secret", 16);
	s.maxClockSkewSeconds = settings::getInt(config, "", "cluster.max_clock_skew_s", 30, 1, 3600);
	s.authToken = secrets::read(config, "http.auth.token", 16);
	// RFC 7518 3.2: an HS256 key at least as long as the hash, or one
	// captured JWT lets the key be searched for offline.
	s.jwtSecret = secrets::read(config, "http.auth.jwt_secret", 32);
	// Nodes call each other's client endpoints too (lists, forwarding) and
	// prove themselves with the secret; without it, client credentials
	// would either lock the nodes out or leave /internal open beside them.
	if ((!s.authToken.empty() || !s.jwtSecret.empty()) && s.clusterSecret.empty())
		throw StartupException("http.auth.token and http.auth.jwt_secret need cluster.secret too: nodes call each "
		                       "other's endpoints and prove themselves with the secret");

	s.httpsPort = settings::getInt(config, "", "https.port", -1, -1, 65535);
	s.httpsHost = config.getString("https.host", config.getString("http.host", "0.0.0.0"));
	s.certificate = config.getString("https.certificate", "");
	s.privateKey = config.getString("https.private_key", "");
	s.caFile = config.getString("https.ca_file", "");
	s.verifyPeers = settings::getBool(config, "", "https.verify_peers", true);
	if (s.httpsEnabled() && (s.certificate.empty() || s.privateKey.empty()))
		throw StartupException("https.port needs https.certificate and https.private_key (PEM files)");
	return s;
}

} // namespace p2p
