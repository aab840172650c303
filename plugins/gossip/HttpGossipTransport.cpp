#include "HttpGossipTransport.h"
#include "MemberCodec.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"

namespace p2p::gossip {

namespace {

PeerClient::Settings pooled(Poco::Timespan timeout, std::streamsize maxResponseBytes)
{
	PeerClient::Settings settings;
	// One idle connection per peer is what a node's gossip reuses: news goes
	// to a few random peers at a time, probes to one.
	settings.maxIdlePerPeer = 0;
	settings.connectTimeout = timeout;
	settings.requestTimeout = timeout;
	settings.maxResponseBytes = maxResponseBytes;
	return settings;
}

} // namespace

std::streamsize HttpGossipTransport::maxExchangeBytes(std::size_t maxMembers)
{
	// A member line: "member ", an id of up to 128 bytes, a URL (node URLs
	// are short; 256 is ample), a state and an incarnation.
	return static_cast<std::streamsize>(1024 + (maxMembers + 1) * 420);
}

HttpGossipTransport::HttpGossipTransport(Poco::Timespan timeout, std::size_t maxMembers, const PeerClient& peers):
	_quick(pooled(timeout, maxExchangeBytes(maxMembers)), peers),
	_patient(pooled(timeout + timeout, maxExchangeBytes(maxMembers)), peers),
	_timeout(timeout),
	_maxMembers(maxMembers)
{
}

PeerResponse HttpGossipTransport::post(const std::string& url, const std::string& path, const std::string& body,
                                       const std::string& contentType, Poco::Timespan timeout)
{
	PeerClient& client = timeout > _timeout ? _patient : _quick;
	PeerResponse answer = client.send(url, "POST", path, body, contentType);
	_bytesSent += answer.bytesSent;
	_bytesReceived += answer.bytesReceived;
	if (answer.status != 200)
		throw BadGatewayException("node " + url + " answered POST " + path + " with " + std::to_string(answer.status));
	return answer;
}

GossipMessage HttpGossipTransport::exchange(const std::string& url, const GossipMessage& message, Poco::Timespan timeout)
{
	const PeerResponse answer = post(url, "/gossip/exchange", message.toText(), GossipMessage::kTextType, timeout);
	try
	{
		return GossipMessage::fromText(answer.body, _maxMembers);
	}
	catch (const BadRequestException& exc)
	{
		throw BadGatewayException("node " + url + " sent a malformed gossip answer: " + exc.message());
	}
}

void HttpGossipTransport::rumour(const std::string& url, const GossipMessage& message, Poco::Timespan timeout)
{
	// Where the seed's clients send rumours; the answer is the seed's
	// {"status", "known_peers"}, which the protocol does not need.
	post(url, "/gossip", json::stringify(message.toJson()), "application/json", timeout);
}

bool HttpGossipTransport::probeVia(const std::string& helperUrl, const Member& target, Poco::Timespan timeout)
{
	auto body = json::object();
	body->set("target", MemberCodec::toJson(target));
	const PeerResponse answer = post(helperUrl, "/gossip/probe", json::stringify(body), "application/json", timeout);
	return json::asObject(json::parse(answer.body))->optValue<bool>("reachable", false);
}

} // namespace p2p::gossip
