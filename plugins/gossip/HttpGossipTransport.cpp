#include "HttpGossipTransport.h"
#include "MemberCodec.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"

namespace p2p::gossip {

namespace {

PeerClient::Settings unpooled(Poco::Timespan timeout)
{
	PeerClient::Settings settings;
	settings.maxIdlePerPeer = 0;
	settings.connectTimeout = timeout;
	settings.requestTimeout = timeout;
	settings.maxResponseBytes = 1024 * 1024;
	return settings;
}

} // namespace

HttpGossipTransport::HttpGossipTransport(Poco::Timespan timeout, std::size_t maxEntries, const PeerClient& peers):
	_quick(unpooled(timeout), peers),
	_patient(unpooled(timeout + timeout), peers),
	_timeout(timeout),
	_maxEntries(maxEntries)
{
}

PeerResponse HttpGossipTransport::post(const std::string& url, const std::string& path, const std::string& body,
                                       Poco::Timespan timeout)
{
	PeerClient& client = timeout > _timeout ? _patient : _quick;
	_bytesSent += body.size();
	PeerResponse answer = client.send(url, "POST", path, body);
	_bytesReceived += answer.body.size();
	if (answer.status != 200)
		throw BadGatewayException("node " + url + " answered POST " + path + " with " + std::to_string(answer.status));
	return answer;
}

GossipMessage HttpGossipTransport::exchange(const std::string& url, const GossipMessage& message, Poco::Timespan timeout)
{
	// A rumour goes where the seed's clients send it, whose answer is the
	// seed's {"status", "known_peers"}; state exchanges get state back.
	if (message.ttl > 0 || !message.peers.empty())
	{
		post(url, "/gossip", json::stringify(message.toJson()), timeout);
		return {};
	}
	const PeerResponse answer = post(url, "/gossip/exchange", json::stringify(message.toJson()), timeout);
	try
	{
		return GossipMessage::fromJson(*json::asObject(json::parse(answer.body)), _maxEntries);
	}
	catch (const BadRequestException& exc)
	{
		throw BadGatewayException("node " + url + " sent a malformed gossip answer: " + exc.message());
	}
}

bool HttpGossipTransport::probeVia(const std::string& helperUrl, const Member& target, Poco::Timespan timeout)
{
	auto body = json::object();
	body->set("target", MemberCodec::toJson(target));
	const PeerResponse answer = post(helperUrl, "/gossip/probe", json::stringify(body), timeout);
	return json::asObject(json::parse(answer.body))->optValue<bool>("reachable", false);
}

} // namespace p2p::gossip
