#include "GossipPlugin.h"
#include "MemberCodec.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include "p2p/Membership.h"
#include "p2p/Metrics.h"
#include "p2p/NodeContext.h"
#include "p2p/Request.h"
#include "p2p/Response.h"
#include "p2p/Settings.h"
#include <set>

namespace p2p::gossip {

namespace {

/// Ample for gossip.max_peers_per_message entries; more is refused (413) before it is read.
constexpr std::streamsize kMaxGossipBytes = 256 * 1024;

Poco::Timespan milliseconds(int ms)
{
	return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms) * Poco::Timespan::MILLISECONDS);
}

} // namespace

std::string GossipPlugin::name() const
{
	return "gossip";
}

std::string GossipPlugin::version() const
{
	return "1.0.0";
}

void GossipPlugin::start(NodeContext& context)
{
	_context = &context;
	const auto& config = context.config();
	_interval = milliseconds(settings::getInt(config, name(), "interval_ms", 1000, 10, 600000));
	_settings.fanout = static_cast<std::size_t>(settings::getInt(config, name(), "fanout", 3, 1, 64));
	_settings.maxTtl = settings::getInt(config, name(), "max_ttl", 5, 0, 64);
	_settings.maxEntries = static_cast<std::size_t>(settings::getInt(config, name(), "max_peers_per_message", 64, 1, 1000));
	_settings.probeTimeout = milliseconds(settings::getInt(config, name(), "probe_timeout_ms", 500, 1, 60000));
	_settings.indirectProbes = static_cast<std::size_t>(settings::getInt(config, name(), "indirect_probes", 3, 0, 16));
	_settings.suspectTimeout = milliseconds(settings::getInt(config, name(), "suspect_timeout_ms", 5000, 1, 3600000));
	_settings.deadRetention = milliseconds(settings::getInt(config, name(), "dead_retention_ms", 300000, 1, 86400000));
	_settings.seeds = context.membership().seeds();

	_transport = std::make_unique<HttpGossipTransport>(_settings.probeTimeout, _settings.maxEntries, context.peers());
	_gossiper = std::make_unique<Gossiper>(context.membership(), *_transport, _settings);
	_subscription = context.membership().subscribe([this](const MembershipEvent& event) { _gossiper->observe(event); });

	RouteOptions json;
	json.body = Body::Json;
	json.maxBodyBytes = kMaxGossipBytes;
	// Every gossip route can put a URL in front of the node's peers.
	json.access = Access::Peer;
	context.router().add("POST", "/gossip", [this](Request& rq, Response& rs) { rumour(rq, rs); }, json);
	context.router().add("POST", "/gossip/exchange", [this](Request& rq, Response& rs) { exchange(rq, rs); }, json);
	context.router().add("POST", "/gossip/probe", [this](Request& rq, Response& rs) { probe(rq, rs); }, json);
	context.router().add("GET", "/gossip/state", [this](Request& rq, Response& rs) { state(rq, rs); });
	addMetrics();

	_thread.start(*this);
	context.logger().information("gossiping every %Ld ms with %z peers, suspects dead after %Ld ms%s",
	                             static_cast<Poco::Int64>(_interval.totalMilliseconds()), _settings.fanout,
	                             static_cast<Poco::Int64>(_settings.suspectTimeout.totalMilliseconds()),
	                             _settings.seeds.empty() ? std::string() : ", joining through " + std::to_string(_settings.seeds.size()) + " seeds");
}

void GossipPlugin::stop()
{
	_stopping = true;
	_wake.set();
	_thread.join();
	_context->membership().unsubscribe(_subscription);
	_gossiper->leave();
}

void GossipPlugin::run()
{
	Poco::Timestamp next;
	while (!_stopping)
	{
		const Poco::Timestamp::TimeDiff wait = std::max<Poco::Timestamp::TimeDiff>(1, -next.elapsed() / 1000);
		_wake.tryWait(static_cast<long>(wait));
		if (_stopping) break;
		try
		{
			if (_gossiper->hasOutbox())
			{
				_gossiper->flush();
				if (_gossiper->hasOutbox()) _wake.set(); // the rest right after
			}
			if (next.elapsed() >= 0)
			{
				_gossiper->round();
				next = Poco::Timestamp() + _interval.totalMicroseconds();
			}
		}
		catch (const Poco::Exception& exc)
		{
			_context->logger().error("gossip round failed: %s", exc.displayText());
			next = Poco::Timestamp() + _interval.totalMicroseconds();
		}
		catch (const std::exception& exc)
		{
			_context->logger().error("gossip round failed: %s", std::string(exc.what()));
			next = Poco::Timestamp() + _interval.totalMicroseconds();
		}
	}
}

void GossipPlugin::rumour(Request& request, Response& response)
{
	GossipMessage message = GossipMessage::fromJson(*request.jsonObject(), _settings.maxEntries);
	const std::vector<std::string> named = message.peers;
	_gossiper->receive(std::move(message), false);
	if (_gossiper->hasOutbox()) _wake.set();

	// The seed's answer: every peer this node knows now, the ones just named included.
	std::set<std::string> known(named.begin(), named.end());
	for (const auto& member : _context->membership().members())
		if (member.state != MemberState::Dead) known.insert(member.url);
	known.erase(_context->node().advertisedUrl);
	Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
	for (const auto& url : known) list->add(url);
	auto body = json::object();
	body->set("status", "gossip received");
	body->set("known_peers", list);
	response.json(body);
}

void GossipPlugin::exchange(Request& request, Response& response)
{
	GossipMessage message = GossipMessage::fromJson(*request.jsonObject(), _settings.maxEntries);
	if (!message.from) throw BadRequestException("field 'from' is required: who is exchanging state");
	message.ttl = 0; // state, not a rumour
	message.peers.clear();
	response.json(_gossiper->receive(std::move(message)).toJson());
}

void GossipPlugin::probe(Request& request, Response& response)
{
	const auto target = request.jsonObject()->getObject("target");
	if (!target) throw BadRequestException("field 'target' must be a member");
	// Probed at the URL this node knows for that id, never at the one given.
	auto body = json::object();
	body->set("reachable", _gossiper->probe(MemberCodec::fromJson(*target)));
	response.json(body);
}

void GossipPlugin::state(Request&, Response& response)
{
	const auto stats = _gossiper->stats();
	Poco::JSON::Array::Ptr members = new Poco::JSON::Array;
	for (const auto& member : _context->membership().members())
	{
		auto item = MemberCodec::toJson(member);
		if (member.lastSeen.epochMicroseconds() > 0) item->set("last_seen_ms_ago", member.lastSeen.elapsed() / 1000);
		members->add(item);
	}
	auto messages = json::object();
	messages->set("sent", stats.sent);
	messages->set("received", stats.received);
	messages->set("failed", stats.failedExchanges);
	auto dropped = json::object();
	dropped->set("ttl_expired", stats.droppedTtl);
	dropped->set("duplicate", stats.droppedDuplicate);
	messages->set("dropped", dropped);
	auto body = json::object();
	body->set("self", MemberCodec::toJson(_gossiper->self()));
	body->set("members", members);
	body->set("rounds", stats.rounds);
	body->set("messages", messages);
	body->set("probes_failed", stats.probesFailed);
	body->set("suspects", _gossiper->detector().suspects());
	body->set("bytes_sent", _transport->bytesSent());
	body->set("bytes_received", _transport->bytesReceived());
	body->set("interval_ms", _interval.totalMilliseconds());
	body->set("fanout", _settings.fanout);
	response.json(body);
}

void GossipPlugin::addMetrics()
{
	auto& metrics = _context->metrics();
	Gossiper* g = _gossiper.get();
	HttpGossipTransport* t = _transport.get();
	metrics.gauge("p2p_gossip_rounds_total", "Gossip periods run.", {}, [g] { return static_cast<double>(g->stats().rounds); });
	metrics.gauge("p2p_gossip_messages_sent_total", "Gossip messages sent (exchanges, probes, rumours).", {},
	              [g] { return static_cast<double>(g->stats().sent); });
	metrics.gauge("p2p_gossip_messages_received_total", "Gossip messages received.", {},
	              [g] { return static_cast<double>(g->stats().received); });
	metrics.gauge("p2p_gossip_messages_dropped_total", "Rumours not forwarded.", {{"reason", "ttl_expired"}},
	              [g] { return static_cast<double>(g->stats().droppedTtl); });
	metrics.gauge("p2p_gossip_messages_dropped_total", "Rumours not forwarded.", {{"reason", "duplicate"}},
	              [g] { return static_cast<double>(g->stats().droppedDuplicate); });
	metrics.gauge("p2p_gossip_bytes_sent_total", "Bytes of gossip bodies sent.", {}, [t] { return static_cast<double>(t->bytesSent()); });
	metrics.gauge("p2p_gossip_bytes_received_total", "Bytes of gossip bodies received in answers.", {},
	              [t] { return static_cast<double>(t->bytesReceived()); });
	metrics.gauge("p2p_gossip_suspects", "Members suspected now, their clocks running.", {},
	              [g] { return static_cast<double>(g->detector().suspects()); });
}

} // namespace p2p::gossip

P2P_EXPORT_PLUGIN(p2p::gossip::GossipPlugin)
