#include "OwnerRelay.h"
#include "FileName.h"
#include "FileResponse.h"
#include "HttpFileTransfers.h"
#include "p2p/Errors.h"
#include "p2p/Forwarder.h"
#include "p2p/Request.h"
#include "p2p/Response.h"
#include <Poco/StreamCopier.h>

namespace p2p::filestore {

namespace {

/// Adds "id (why)" to the list of owners that failed, for the 503's sentence.
void noteFailure(std::string& tried, const std::string& id, const std::string& why)
{
	tried += (tried.empty() ? "" : "; ") + id + " (" + why + ")";
}

/// Whether exc says an owner could not be reached or could not take the
/// file, so that the next owner may be tried.
bool ownerFailed(const Poco::Exception& exc)
{
	// BadGateway and ServiceUnavailable are IOExceptions; GatewayTimeout's base is not.
	return dynamic_cast<const Poco::IOException*>(&exc) || dynamic_cast<const GatewayTimeoutException*>(&exc);
}

} // namespace

OwnerRelay::OwnerRelay(PeerClient& transfers, std::string selfId): _transfers(transfers), _selfId(std::move(selfId))
{
}

OwnerRelay::OwnerAnswer OwnerRelay::sendToOwner(const Owner& owner, const std::string& encodedName, std::istream& body,
                                                Poco::Int64 length, const std::string& sha256, bool* nothingSent)
{
	OwnerAnswer result;
	PeerClient::Headers headers{{Forwarder::kForwardedByHeader, _selfId}};
	if (!sha256.empty()) headers.emplace_back(PeerClient::kBodyHashHeader, sha256);
	_transfers.stream(owner.url, "PUT", "/files/" + encodedName, headers, &body, static_cast<std::streamsize>(length),
	                  "application/octet-stream",
	                  [&](const Poco::Net::HTTPResponse& answer, std::istream& in) {
		                  result.status = static_cast<int>(answer.getStatus());
		                  result.contentType = answer.getContentType();
		                  // An answer is a short JSON document; read no more than that.
		                  char buffer[16 * 1024];
		                  in.read(buffer, sizeof(buffer));
		                  result.body.assign(buffer, static_cast<std::size_t>(in.gcount()));
	                  },
	                  nothingSent);
	return result;
}

void OwnerRelay::relayAnswer(Response& response, const Owner& owner, const OwnerAnswer& answer)
{
	response.http().set(Forwarder::kAnsweredByHeader, owner.id);
	response.send(answer.body, answer.contentType.empty() ? "application/json" : answer.contentType, answer.status);
}

void OwnerRelay::streamThrough(Request& request, Response& response, const std::string& name, const std::vector<Owner>& owners)
{
	// Another owner can be tried only while no byte has gone yet.
	const std::string encoded = FileName::encoded(name);
	std::string tried;
	for (const auto& owner : owners)
	{
		OwnerAnswer answer;
		bool nothingSent = true;
		try
		{
			answer = sendToOwner(owner, encoded, request.body(), request.http().getContentLength64(), "", &nothingSent);
		}
		catch (const Poco::Exception& exc)
		{
			if (!nothingSent || !ownerFailed(exc)) throw;
			noteFailure(tried, owner.id, exc.message());
			continue;
		}
		relayAnswer(response, owner, answer);
		return;
	}
	throw ServiceUnavailableException("no node that owns this file could be reached; tried " + tried);
}

void OwnerRelay::sendReceived(Response& response, const std::string& name, FileCatalog::Upload& upload,
                              const std::vector<Owner>& owners)
{
	const std::string encoded = FileName::encoded(name);
	std::string tried;
	for (const auto& owner : owners)
	{
		auto in = upload.reread();
		OwnerAnswer answer;
		try
		{
			answer = sendToOwner(owner, encoded, *in, static_cast<Poco::Int64>(upload.size()), upload.sha256(), nullptr);
		}
		catch (const Poco::Exception& exc)
		{
			if (!ownerFailed(exc)) throw;
			noteFailure(tried, owner.id, exc.message());
			continue;
		}
		if (answer.status >= 500)
		{
			noteFailure(tried, owner.id, "answered " + std::to_string(answer.status));
			continue;
		}
		relayAnswer(response, owner, answer);
		return;
	}
	throw ServiceUnavailableException("no node that owns this file took it; tried " + tried);
}

void OwnerRelay::download(Request& request, Response& response, const std::string& name, const std::vector<Owner>& owners,
                          bool attachment)
{
	const std::string path = HttpFileTransfers::kFilePath + FileName::encoded(name);
	PeerClient::Headers headers{{Forwarder::kForwardedByHeader, _selfId}};
	for (const char* header : {"Range", "If-None-Match"})
		if (request.http().has(header)) headers.emplace_back(header, request.http().get(header));
	std::string tried;
	bool anyAnswered = false;
	for (const auto& owner : owners)
	{
		if (owner.id == _selfId) continue;
		bool missing = false;
		try
		{
			_transfers.stream(owner.url, request.method(), path, headers, nullptr, 0, "",
			                  [&](const Poco::Net::HTTPResponse& answer, std::istream& body) {
				                  if (answer.getStatus() == Poco::Net::HTTPResponse::HTTP_NOT_FOUND || answer.getStatus() >= 500)
				                  {
					                  missing = answer.getStatus() == Poco::Net::HTTPResponse::HTTP_NOT_FOUND;
					                  if (!missing) throw BadGatewayException("answered " + std::to_string(answer.getStatus()));
					                  return;
				                  }
				                  auto& http = response.http();
				                  // Should the owner break off mid-body, closing is the only
				                  // way left to tell the client its body is short.
				                  http.setKeepAlive(false);
				                  http.setStatusAndReason(answer.getStatus());
				                  for (const char* copied : {"Content-Type", "ETag", "Last-Modified", "Accept-Ranges", "Content-Range"})
					                  if (answer.has(copied)) http.set(copied, answer.get(copied));
				                  if (attachment) http.set("Content-Disposition", contentDisposition(name));
				                  http.set(Forwarder::kAnsweredByHeader, owner.id);
				                  if (answer.hasContentLength()) http.setContentLength64(answer.getContentLength64());
				                  std::ostream& out = http.send();
				                  if (request.method() != "HEAD") Poco::StreamCopier::copyStream(body, out, kBufferBytes);
			                  });
			anyAnswered = true;
			if (!missing) return;
		}
		catch (const Poco::Exception& exc)
		{
			if (response.sent()) throw; // the answer had begun: nothing else to do
			noteFailure(tried, owner.id, exc.message());
		}
	}
	if (anyAnswered || tried.empty()) throw Poco::NotFoundException("file not found");
	throw ServiceUnavailableException("no node that owns this file answered; tried " + tried);
}

} // namespace p2p::filestore
