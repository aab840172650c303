#ifndef P2P_RequestSigner_INCLUDED
#define P2P_RequestSigner_INCLUDED

#include "p2p/Export.h"

#include <Poco/Timestamp.h>
#include <string>
#include <utility>
#include <vector>

namespace p2p {

/// The signature a request claims, as read from its headers.
struct P2P_API RequestSignature
{
	std::string node;      ///< X-P2P-Node: the sender's id
	std::string time;      ///< X-P2P-Time: Unix seconds when it was signed
	std::string bodyHash;  ///< X-P2P-Body-SHA256: hex, or UNSIGNED-PAYLOAD for streamed bodies
	std::string signature; ///< X-P2P-Signature: hex HMAC-SHA256
	std::string nonce;     ///< X-P2P-Nonce: "<stream>.<counter>", which of the sender's requests this is
	std::string to;        ///< X-P2P-To: the id of the node it was signed for; empty when the sender did not know it

	bool present() const
	{
		return !signature.empty() || !node.empty() || !time.empty() || !bodyHash.empty() || !nonce.empty() || !to.empty();
	}
};

/// What a signature binds a request to besides its own content: the node
/// it is for and a nonce no other request of its sender had, so that a
/// recorded request cannot be replayed to another node or to the same one.
struct P2P_API SignedFor
{
	std::string to;    ///< the receiving node's id; empty when unknown (a bootstrap node or seed by URL)
	std::string nonce; ///< empty only for messages outside HTTP
};

/// HMAC-SHA256 signatures on node-to-node requests (cluster.secret). The
/// signed text is the method, the request target (path and query as sent),
/// the SHA-256 of the body, the time, the sender's id, the nonce and the
/// receiving node's id, one per line, so a signature cannot be moved to
/// another request, body, sender or receiver, and a recorded one stops
/// working after the allowed clock skew. That the nonce is not used twice
/// is the receiver's ReplayGuard's to check.
///
/// A streamed body (a file relayed as it arrives) is signed as
/// UNSIGNED-PAYLOAD: its head is authenticated, its bytes are not; TLS is
/// what keeps them from being changed on the way.
///
/// Immutable after construction; safe on any thread.
class P2P_API RequestSigner
{
public:
	static const std::string NodeHeader;
	static const std::string TimeHeader;
	static const std::string BodyHashHeader;
	static const std::string SignatureHeader;
	static const std::string NonceHeader;
	static const std::string ToHeader;
	static const std::string UnsignedPayload;
	/// sha256Hex(""): the hash of every request without a body.
	static const std::string EmptyBodyHash;

	using Headers = std::vector<std::pair<std::string, std::string>>;

	/// Throws Poco::InvalidArgumentException for an empty secret or a
	/// negative skew.
	RequestSigner(const std::string& secret, std::string nodeId, int maxSkewSeconds);

	/// The headers that sign the request; bodyHash is sha256Hex(body) or
	/// UnsignedPayload. Nonce and receiver go in when `signedFor` has them.
	Headers sign(const std::string& method, const std::string& target, const std::string& bodyHash,
	             const SignedFor& signedFor = {}, Poco::Timestamp now = Poco::Timestamp()) const;

	/// Checks the signature's form, its age, its HMAC against the body
	/// hash the receiver computed (or UnsignedPayload where it cannot) and
	/// that it was signed for this node (or for no node in particular), and
	/// returns the sender's id. Throws UnauthorizedException saying what is
	/// wrong; never tells more than that about the secret.
	std::string verify(const std::string& method, const std::string& target, const std::string& bodyHash,
	                   const RequestSignature& claim, Poco::Timestamp now = Poco::Timestamp()) const;

	/// The checks verify() can make before the body is read: present, well
	/// formed and fresh. Lets a receiver refuse an unsigned upload without
	/// reading it.
	void checkHead(const RequestSignature& claim, Poco::Timestamp now = Poco::Timestamp()) const;

	static std::string sha256Hex(const std::string& data);
	int maxSkewSeconds() const { return _maxSkewSeconds; }
	const std::string& nodeId() const { return _nodeId; }

private:
	std::string hmacHex(const std::string& method, const std::string& target, const std::string& bodyHash,
	                    const std::string& time, const std::string& node, const SignedFor& signedFor) const;

	std::string _secret;
	std::string _nodeId;
	int _maxSkewSeconds;
};

} // namespace p2p

#endif
