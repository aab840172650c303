#include "DhtRouterPlugin.h"
#include "RequestForwarder.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include "p2p/Metrics.h"
#include "p2p/NodeContext.h"
#include "p2p/ServiceRegistry.h"
#include "p2p/Settings.h"
#include <Poco/NumberParser.h>

namespace p2p::dhtrouter {

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
	// Every node must use the same number of slots, or they disagree on
	// where keys live; the default fits networks up to cluster.max_members.
	const int slots = settings::getInt(context.config(), configSection(), "slots", static_cast<int>(HashRing::kDefaultSlots), 3,
	                                   1 << 24);
	if (!HashRing::isPrime(static_cast<std::size_t>(slots)))
		throw StartupException("property dht.slots must be a prime number (such as 65537), not " + std::to_string(slots));
	const std::size_t capacity = std::min<std::size_t>(static_cast<std::size_t>(slots), HashRing::kMaxNodes);
	if (context.membership().maxMembers() + 1 > capacity)
		throw StartupException("a ring of dht.slots = " + std::to_string(slots) + " holds " + std::to_string(capacity) +
		                       " nodes, fewer than cluster.max_members + 1 = " +
		                       std::to_string(context.membership().maxMembers() + 1) + "; lower cluster.max_members");
	if (context.config().has("vnodes"))
		context.logger().warning("dht.vnodes is no longer read: the ring has dht.slots = %d arcs, dealt out evenly", slots);
	_defaultReplicas = settings::getInt(context.config(), configSection(), "replicas", 3, 1, 64);
	_placement = std::make_shared<RingPlacement>(context.membership(), static_cast<std::size_t>(slots));

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
	                           std::make_shared<RequestForwarder>(context.peers(), context.node().id, maxHops, _placement));

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
	const auto counts = ring->slotCounts();
	Poco::JSON::Array::Ptr members = new Poco::JSON::Array;
	for (const auto& node : ring->nodes())
	{
		auto item = ownerJson(node);
		const std::size_t owned = counts.at(node.id);
		item->set("slots", owned);
		item->set("share", static_cast<double>(owned) / static_cast<double>(ring->slots()));
		members->add(item);
	}
	auto body = json::object();
	body->set("nodes", ring->nodeCount());
	body->set("slots", ring->slots());
	body->set("table_bytes", ring->tableBytes());
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

} // namespace p2p::dhtrouter

P2P_EXPORT_PLUGIN(p2p::dhtrouter::DhtRouterPlugin)
