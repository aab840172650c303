#include "BootstrapPlugin.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include "p2p/Membership.h"
#include "p2p/Metrics.h"
#include "p2p/NodeContext.h"
#include "p2p/Settings.h"
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <algorithm>

namespace p2p::bootstrap {

std::string BootstrapPlugin::name() const
{
	return "bootstrap";
}

std::string BootstrapPlugin::version() const
{
	return "1.0.0";
}

void BootstrapPlugin::start(NodeContext& context)
{
	_context = &context;
	const int leaseSeconds = settings::getInt(context.config(), name(), "lease_seconds", 30, 1, 24 * 3600);
	const int maxNodes = settings::getInt(context.config(), name(), "max_nodes", 10000, 1, 1000000);
	_registry = std::make_unique<Registry>(Poco::Timespan(leaseSeconds, 0), static_cast<std::size_t>(maxNodes));

	context.metrics().gauge("p2p_bootstrap_registered_nodes", "Nodes with a running lease.", {},
	                        [registry = _registry.get()] { return static_cast<double>(registry->live().size()); });

	RouteOptions json;
	json.body = Body::Json;
	json.maxBodyBytes = 4096; // an id and a URL
	// Whoever registers is handed to every node as a peer to call.
	json.access = Access::Peer;
	RouteOptions peers;
	peers.access = Access::Peer;
	context.router().add("POST", "/register", [this](Request& rq, Response& rs) { registerNode(rq, rs); }, json);
	context.router().add("DELETE", "/register/{id}", [this](Request& rq, Response& rs) { removeNode(rq, rs); }, peers);
	context.router().add("GET", "/peers", [this](Request& rq, Response& rs) { listPeers(rq, rs); });

	// Every second at most: /members is only as current as this timer.
	const long period = std::clamp(leaseSeconds * 1000L / 4, 250L, 1000L);
	_expiryTimer = std::make_unique<Poco::Timer>(period, period);
	_expiryTimer->start(Poco::TimerCallback<BootstrapPlugin>(*this, &BootstrapPlugin::onExpiryTimer));
}

void BootstrapPlugin::stop()
{
	if (_expiryTimer) _expiryTimer->stop();
}

void BootstrapPlugin::onExpiryTimer(Poco::Timer&)
{
	try
	{
		expire();
	}
	catch (const Poco::Exception& exc)
	{
		_context->logger().error("expiring leases failed: %s", exc.displayText());
	}
}

void BootstrapPlugin::expire()
{
	const Poco::Timestamp now;
	for (const auto& id : _registry->expire(now))
	{
		_context->membership().remove(id);
		_context->logger().information("lease of node %s expired", id);
	}
	// A node that missed half its lease has missed renewals: /members says
	// suspect rather than show a killed node alive until its lease is over.
	const Poco::Timestamp::TimeDiff quiet = _registry->lease().totalMicroseconds() / 2;
	for (const auto& node : _registry->live(now))
	{
		Member member;
		if (now - node.lastSeen <= quiet || !_context->membership().find(node.id, member) ||
		    member.state != MemberState::Alive)
			continue;
		member.state = MemberState::Suspect;
		if (_context->membership().update(member))
			_context->logger().warning("node %s has not renewed its lease for %Ld s", node.id,
			                           static_cast<Poco::Int64>((now - node.lastSeen) / 1000000));
	}
}

void BootstrapPlugin::registerNode(Request& request, Response& response)
{
	auto body = request.jsonObject();
	const std::string id = json::requireString(*body, "id");
	const std::string address = json::requireString(*body, "address");
	// Leases that ran out go on the expiry timer, not here: a renewal costs
	// O(log n), so a thousand nodes renewing cost the bootstrap node little.
	const std::size_t count = _registry->add(id, address);

	Member member;
	const bool known = _context->membership().find(id, member);
	// Back from suspect: alive only outranks it at a higher incarnation.
	if (known && member.state != MemberState::Alive) ++member.incarnation;
	member.id = id;
	member.url = address;
	member.state = MemberState::Alive;
	if (_context->membership().update(member))
		_context->logger().information(known ? "node %s renewed at %s" : "node %s registered at %s", id, address);

	auto answer = json::object();
	answer->set("status", "success");
	answer->set("peers", count);
	answer->set("lease_seconds", _registry->lease().totalSeconds());
	response.json(answer);
}

void BootstrapPlugin::listPeers(Request& request, Response& response)
{
	const std::string detail = request.query("detail", "false");
	if (detail != "true" && detail != "false")
		throw BadRequestException("query parameter 'detail' must be true or false");
	const Poco::Timestamp now;
	Poco::UInt64 generation = 0;
	const auto live = _registry->live(now, &generation);
	// A weak tag: who is registered where. Renewals move last_seen on but
	// leave the tag, so a node that asks again gets 304 and no list until
	// the network changes.
	const std::string etag = "W/\"" + std::to_string(generation) + "\"";
	response.http().set("ETag", etag);
	if (request.http().get("If-None-Match", "") == etag)
	{
		response.http().setStatusAndReason(Poco::Net::HTTPResponse::HTTP_NOT_MODIFIED);
		response.http().send();
		return;
	}
	Poco::JSON::Array::Ptr peers = new Poco::JSON::Array;
	for (const auto& node : live)
	{
		if (detail == "false")
		{
			peers->add(node.address);
			continue;
		}
		auto item = json::object();
		item->set("id", node.id);
		item->set("address", node.address);
		item->set("registered_at", Poco::DateTimeFormatter::format(node.registeredAt, Poco::DateTimeFormat::ISO8601_FRAC_FORMAT));
		item->set("last_seen", Poco::DateTimeFormatter::format(node.lastSeen, Poco::DateTimeFormat::ISO8601_FRAC_FORMAT));
		item->set("expires_in_ms", (_registry->lease().totalMicroseconds() - (now - node.lastSeen)) / 1000);
		peers->add(item);
	}
	auto answer = json::object();
	answer->set("peers", peers);
	response.json(answer);
}

void BootstrapPlugin::removeNode(Request& request, Response& response)
{
	const std::string& id = request.param("id");
	if (!_registry->remove(id)) throw Poco::NotFoundException("node '" + id + "' is not registered");
	_context->membership().remove(id);
	_context->logger().information("node %s left", id);
	auto answer = json::object();
	answer->set("status", "removed");
	answer->set("id", id);
	response.json(answer);
}

} // namespace p2p::bootstrap

P2P_EXPORT_PLUGIN(p2p::bootstrap::BootstrapPlugin)
