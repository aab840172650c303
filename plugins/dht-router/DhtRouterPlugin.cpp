#include "DhtRouterPlugin.h"
#include "RequestForwarder.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include "p2p/Metrics.h"
#include "p2p/NodeContext.h"
#include "p2p/ServiceRegistry.h"
#include "p2p/Settings.h"
#include <Poco/NumberParser.h>

namespace p2p::dht {

namespace {

Poco::JSON::Object::Ptr ownerJson(const Placement::Owner& owner)
{
	auto item = json::object();
	item->set("id", owner.id);
	item->set("url", owner.url);
	return item;
}

} // namespace

std::string DhtRouterPlugin::name() const
{
	return "dht-router";
}

std::string DhtRouterPlugin::version() const
{
	return "0.2.0";
}

std::string DhtRouterPlugin::configSection() const
{
	return "dht";
}

void DhtRouterPlugin::start(NodeContext& context)
{
	_context = &context;
	// 256 points per node: on a 100-node ring the busiest node gets 1.225x
	// the mean of 100k random keys (128 gives 1.258, 512 gives 1.128), for a
	// 1.5 MB ring and a 12 ms rebuild (build/bin/p2p-ring-balance 100).
	const int vnodes = settings::getInt(context.config(), configSection(), "vnodes", 256, 1, 4096);
	_defaultReplicas = settings::getInt(context.config(), configSection(), "replicas", 3, 1, 64);
	_placement = std::make_shared<RingPlacement>(context.membership(), vnodes);

	_subscription = context.membership().subscribe([this](const MembershipEvent&) { _placement->invalidate(); });
	_placement->invalidate(); // members that joined before we subscribed
	context.metrics().gauge("p2p_dht_ring_generation", "Rings built so far (one per batch of membership changes).", {},
	                        [placement = _placement.get()] { return static_cast<double>(placement->generation()); });
	context.metrics().gauge("p2p_dht_ring_nodes", "Nodes on this node's ring.", {},
	                        [placement = _placement.get()] { return static_cast<double>(placement->ring()->nodeCount()); });
	context.services().provide(Placement::kServiceName, _placement);
	// Three hops: the edge node's forward, one re-route by a node whose view
	// differs, and one more for a view that changed meanwhile.
	const int maxHops = settings::getInt(context.config(), configSection(), "max_hops", 3, 1, 64);
	context.services().provide(Forwarder::kServiceName,
	                           std::make_shared<RequestForwarder>(context.peers(), context.node().id, maxHops));

	context.router().add("GET", "/dht/ring", [this](Request& rq, Response& rs) { showRing(rq, rs); });
	context.router().add("GET", "/dht/locate/{key}", [this](Request& rq, Response& rs) { locate(rq, rs); });
}

void DhtRouterPlugin::stop()
{
	_context->membership().unsubscribe(_subscription);
	_context->services().withdraw(Placement::kServiceName);
}

void DhtRouterPlugin::showRing(Request&, Response& response)
{
	const auto ring = _placement->ring();
	const auto shares = ring->shares();
	Poco::JSON::Array::Ptr members = new Poco::JSON::Array;
	for (const auto& node : ring->nodes())
	{
		auto item = ownerJson(node);
		item->set("vnodes", ring->vnodes());
		item->set("share", shares.at(node.id));
		members->add(item);
	}
	auto body = json::object();
	body->set("nodes", ring->nodeCount());
	body->set("vnodes", ring->vnodes());
	body->set("generation", _placement->generation());
	body->set("members", members);
	response.json(body);
}

void DhtRouterPlugin::locate(Request& request, Response& response)
{
	const std::string& key = request.param("key");
	if (key.size() > 1024) throw BadRequestException("key is longer than 1024 bytes");
	unsigned n = static_cast<unsigned>(_defaultReplicas);
	if (request.hasQuery("n") && (!Poco::NumberParser::tryParseUnsigned(request.query("n"), n) || n == 0 || n > 64))
		throw BadRequestException("query parameter 'n' must be a whole number from 1 to 64");

	const auto ring = _placement->ring();
	const auto owners = ring->preferenceList(key, n);
	Poco::JSON::Array::Ptr replicas = new Poco::JSON::Array;
	for (const auto& owner : owners) replicas->add(ownerJson(owner));
	auto body = json::object();
	body->set("key", key);
	body->set("hash", HashRing::toHex(HashRing::hash(key)));
	body->set("responsible", ownerJson(owners.front()));
	body->set("replicas", replicas);
	response.json(body);
}

} // namespace p2p::dht

P2P_EXPORT_PLUGIN(p2p::dht::DhtRouterPlugin)
