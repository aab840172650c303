#ifndef P2P_FileStore_OwnerRelay_INCLUDED
#define P2P_FileStore_OwnerRelay_INCLUDED

#include "FileCatalog.h"
#include "FileTransfers.h"
#include "p2p/PeerClient.h"
#include <string>
#include <vector>

namespace p2p {
class Request;
class Response;
} // namespace p2p

namespace p2p::filestore {

/// A client's request for a file this node does not own, sent on to the
/// nodes that do and their answer relayed, marked X-P2P-Answered-By. Each
/// owner is tried in turn while nothing has reached the client yet; when
/// none can be reached the client gets a 503 that names every owner tried
/// and why. Safe on any thread; one call per request.
class OwnerRelay
{
public:
	/// transfers: patient, since an owner answers a large upload only once
	/// it is on its disk and copied to the other owners.
	OwnerRelay(PeerClient& transfers, std::string selfId);

	/// A PUT of known length: the body straight on to an owner as it
	/// arrives, touching neither memory nor this node's disk.
	void streamThrough(Request& request, Response& response, const std::string& name, const std::vector<Owner>& owners);

	/// A complete upload received here: to each owner in turn until one
	/// takes it (an owner that answers 5xx could not store it; the next may).
	void sendReceived(Response& response, const std::string& name, FileCatalog::Upload& upload,
	                  const std::vector<Owner>& owners);

	/// A GET or HEAD streamed from the first other owner that has the file,
	/// with Range and If-None-Match passed through.
	void download(Request& request, Response& response, const std::string& name, const std::vector<Owner>& owners,
	              bool attachment);

private:
	struct OwnerAnswer
	{
		int status = 0;
		std::string contentType;
		std::string body;
	};
	/// PUT /files/{name} of body to an owner, marked as forwarded, with its
	/// SHA-256 when known in advance.
	OwnerAnswer sendToOwner(const Owner& owner, const std::string& encodedName, std::istream& body, Poco::Int64 length,
	                        const std::string& sha256, bool* nothingSent);
	static void relayAnswer(Response& response, const Owner& owner, const OwnerAnswer& answer);

	PeerClient& _transfers;
	const std::string _selfId;
};

} // namespace p2p::filestore

#endif
