#include "HttpReplicas.h"
#include "EntryCodec.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include <Poco/URI.h>

namespace p2p::kvstore {

namespace {

std::string entryPath(const std::string& key)
{
	std::string encoded;
	Poco::URI::encode(key, "/?#%+&= ", encoded);
	return HttpReplicas::kEntryPath + encoded;
}

/// A replica that answers with an error is as good as unreachable for a quorum.
void expectOk(const Owner& owner, const std::string& what, const PeerResponse& answer)
{
	if (answer.status == 200) return;
	std::string reason = "status " + std::to_string(answer.status);
	try
	{
		reason = json::asObject(json::parse(answer.body))->optValue<std::string>("error", reason);
	}
	catch (const Poco::Exception&)
	{
		// not JSON: the status says enough
	}
	throw BadGatewayException("node " + owner.id + " refused " + what + ": " + reason);
}

} // namespace

Replicas::~Replicas() = default;

HttpReplicas::HttpReplicas(PeerClient& peers): _peers(peers)
{
}

std::optional<Entry> HttpReplicas::read(const Owner& owner, const std::string& key)
{
	const PeerResponse answer = _peers.send(owner.url, "GET", entryPath(key));
	if (answer.status == 404) return std::nullopt;
	expectOk(owner, "a replica read", answer);
	try
	{
		return EntryCodec::fromJson(*json::asObject(json::parse(answer.body))).second;
	}
	catch (const BadRequestException& exc)
	{
		throw BadGatewayException("node " + owner.id + " sent a malformed entry: " + exc.message());
	}
}

void HttpReplicas::write(const Owner& owner, const std::string& key, const Entry& entry)
{
	const PeerResponse answer = _peers.sendJson(owner.url, "PUT", entryPath(key), EntryCodec::toJson(key, entry));
	expectOk(owner, "a replica write", answer);
}

void HttpReplicas::push(const Owner& owner, const KeyedEntries& entries)
{
	Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
	for (const auto& [key, entry] : entries) list->add(EntryCodec::toJson(key, entry));
	auto body = json::object();
	body->set("entries", list);
	const PeerResponse answer = _peers.sendJson(owner.url, "POST", kBatchPath, body);
	expectOk(owner, "a batch of " + std::to_string(entries.size()) + " entries", answer);
}

} // namespace p2p::kvstore
