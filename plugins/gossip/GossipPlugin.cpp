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
#include <Poco/Net/SocketAddress.h>
#include <Poco/URI.h>
#include <set>
#include <pthread.h>

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
	_spreadInterval = milliseconds(settings::getInt(config, name(), "spread_interval_ms", 200, 10, 600000));
	_settings.fanout = static_cast<std::size_t>(settings::getInt(config, name(), "fanout", 3, 1, 64));
	_settings.maxTtl = settings::getInt(config, name(), "max_ttl", 5, 0, 64);
	_settings.maxEntries = static_cast<std::size_t>(settings::getInt(config, name(), "max_peers_per_message", 64, 1, 1000));
	_settings.probeTimeout = milliseconds(settings::getInt(config, name(), "probe_timeout_ms", 500, 1, 60000));
	_settings.indirectProbes = static_cast<std::size_t>(settings::getInt(config, name(), "indirect_probes", 3, 0, 16));
	_settings.suspicion.shortest = milliseconds(settings::getInt(config, name(), "suspect_timeout_ms", 5000, 1, 3600000));
	_settings.suspicion.longest = Poco::Timespan(_settings.suspicion.shortest.totalMicroseconds() *
	                                             settings::getInt(config, name(), "suspicion_max_mult", 6, 1, 100));
	_settings.suspicion.confirmations =
		static_cast<std::size_t>(settings::getInt(config, name(), "suspicion_confirmations", 2, 0, 7));
	_settings.reconnectInterval = milliseconds(settings::getInt(config, name(), "reconnect_interval_ms", 2000, 10, 3600000));
	_settings.deadRetention = milliseconds(settings::getInt(config, name(), "dead_retention_ms", 300000, 1, 86400000));
	_settings.syncInterval = milliseconds(settings::getInt(config, name(), "sync_interval_ms", 30000, 10, 86400000));
	_settings.retransmitMultiplier = static_cast<std::size_t>(settings::getInt(config, name(), "retransmit_mult", 4, 1, 64));
	_settings.maxMembers = context.membership().maxMembers();
	_settings.seeds = context.membership().seeds();

	const std::string transport = config.getString("transport", "udp");
	if (transport != "udp" && transport != "http")
		throw StartupException("property gossip.transport must be udp or http, not '" + transport + "'");
	_http = std::make_unique<HttpGossipTransport>(_settings.probeTimeout, _settings.maxMembers, context.peers());
	_transport = _http.get();
	if (transport == "udp")
	{
		// Datagrams to and from the port of this node's URL, on the address
		// its listener has: every node finds every other's from its URL alone.
		const Poco::URI advertised(context.node().advertisedUrl);
		const Poco::Net::SocketAddress address(context.node().bindHost, advertised.getPort());
		try
		{
			_listener = std::make_unique<DatagramListener>(address, UdpGossipTransport::kMaxDatagramBytes,
			                                               [this](const std::string& bytes, const Poco::Net::SocketAddress&) {
				                                               return datagram(bytes);
			                                               });
		}
		catch (const Poco::Exception& exc)
		{
			throw StartupException("gossip cannot listen for datagrams on UDP " + address.toString() + " (the port of " +
			                       context.node().advertisedUrl + "): " + exc.displayText() +
			                       "; free that UDP port, or set gossip.transport = http");
		}
		_udp = std::make_unique<UdpGossipTransport>(*_http, context.peers());
		_transport = _udp.get();
		_settings.maxMessageBytes = UdpGossipTransport::kMaxMessageBytes;
	}
	_gossiper = std::make_unique<Gossiper>(context.membership(), *_transport, _settings);
	_subscription = context.membership().subscribe([this](const MembershipEvent& event) { _gossiper->observe(event); });

	RouteOptions json;
	json.body = Body::Json;
	json.maxBodyBytes = kMaxGossipBytes;
	// Every gossip route can put a URL in front of the node's peers.
	json.access = Access::Peer;
	RouteOptions text = json;
	text.body = Body::Bytes;
	text.maxBodyBytes = HttpGossipTransport::maxExchangeBytes(_settings.maxMembers);
	context.router().add("POST", "/gossip", [this](Request& rq, Response& rs) { rumour(rq, rs); }, json);
	context.router().add("POST", "/gossip/exchange", [this](Request& rq, Response& rs) { exchange(rq, rs); }, text);
	context.router().add("POST", "/gossip/probe", [this](Request& rq, Response& rs) { probe(rq, rs); }, json);
	context.router().add("GET", "/gossip/state", [this](Request& rq, Response& rs) { state(rq, rs); });
	addMetrics();

	context.membership().setGossiping(true);
	_gossiper->onNews([this] { _wakeSpreader.set(); });
	if (_listener) _listener->start();
	_prober.startFunc([this] { probeLoop(); });
	_spreader.startFunc([this] { spreadLoop(); });
	context.logger().information("probing every %Ld ms, spreading news every %Ld ms to %z peers, syncing every %Ld ms, "
	                             "suspects dead after %Ld to %Ld ms%s",
	                             static_cast<Poco::Int64>(_interval.totalMilliseconds()),
	                             static_cast<Poco::Int64>(_spreadInterval.totalMilliseconds()), _settings.fanout,
	                             static_cast<Poco::Int64>(_settings.syncInterval.totalMilliseconds()),
	                             static_cast<Poco::Int64>(_settings.suspicion.shortest.totalMilliseconds()),
	                             static_cast<Poco::Int64>(_settings.suspicion.longest.totalMilliseconds()),
	                             _settings.seeds.empty() ? std::string() : ", joining through " + std::to_string(_settings.seeds.size()) + " seeds");
}

void GossipPlugin::stop()
{
	_stopping = true;
	_wakeProber.set();
	_wakeSpreader.set();
	_prober.join();
	_spreader.join();
	if (_listener) _listener->stop();
	_context->membership().setGossiping(false);
	_context->membership().unsubscribe(_subscription);
	_gossiper->leave();
}

std::string GossipPlugin::datagram(const std::string& bytes)
{
	// Checked (seal, form, size) before anything of it is merged; what is
	// refused gets no answer.
	GossipMessage message = GossipMessage::fromText(UdpGossipTransport::unseal(_context->peers(), bytes), _settings.maxEntries);
	if (!message.from) throw BadRequestException("a gossip datagram needs a 'from' line");
	if (message.fullState || !message.digest.empty())
		throw BadRequestException("whole views and syncs go over HTTP, not in datagrams");
	if (message.push)
	{
		_gossiper->receive(std::move(message), false);
		return "";
	}
	GossipMessage answer = _gossiper->receive(std::move(message));
	std::string sealed = UdpGossipTransport::seal(_context->peers(), answer.toText());
	while (sealed.size() > UdpGossipTransport::kMaxDatagramBytes && !answer.members.empty())
	{
		answer.members.pop_back();
		sealed = UdpGossipTransport::seal(_context->peers(), answer.toText());
	}
	return sealed;
}

Poco::UInt64 GossipPlugin::bytesSent() const
{
	return _http->bytesSent() + (_udp ? _udp->bytesSent() : 0);
}

Poco::UInt64 GossipPlugin::bytesReceived() const
{
	return _http->bytesReceived() + (_udp ? _udp->bytesReceived() : 0);
}

void GossipPlugin::probeLoop()
{
	pthread_setname_np(pthread_self(), "gossip-probe");
	Poco::Timestamp next;
	while (!_stopping)
	{
		// Awake for the next round, and between rounds when a suspicion
		// clock runs out (checked at least every configured period, for
		// clocks started while this thread slept).
		Poco::Timestamp wake = std::min(next, Poco::Timestamp() + _interval.totalMicroseconds());
		if (const auto expiry = _gossiper->detector().nextExpiry()) wake = std::min(wake, *expiry);
		_wakeProber.tryWait(static_cast<long>(std::max<Poco::Timestamp::TimeDiff>(1, -wake.elapsed() / 1000)));
		if (_stopping) break;
		if (next.elapsed() < 0)
		{
			guarded([this] { _gossiper->expireSuspects(); });
			continue;
		}
		const Poco::Timestamp started;
		guarded([this] { _gossiper->round(); });
		// A period that overran (a probe that waited for indirect ones, an
		// overloaded machine) is followed by a pause all the same, rather
		// than by the next period at once: gossip must not feed an overload.
		const Poco::Timespan period = _gossiper->scaled(_interval);
		next = std::max(started + period.totalMicroseconds(), Poco::Timestamp() + period.totalMicroseconds() / 4);
	}
}

void GossipPlugin::spreadLoop()
{
	pthread_setname_np(pthread_self(), "gossip-spread");
	// Every spread interval while there is news or a rumour to pass on;
	// asleep until some arrives otherwise. News that wakes this thread
	// early waits for the interval all the same: a burst of changes (ten
	// nodes dying on a thousand-node network) then leaves in one message a
	// period, not in one message per change.
	bool busy = true;
	Poco::Timestamp next;
	while (!_stopping)
	{
		if (!busy) _wakeSpreader.wait();
		while (!_stopping && next.elapsed() < 0)
			_wakeSpreader.tryWait(static_cast<long>(std::max<Poco::Timestamp::TimeDiff>(1, -next.elapsed() / 1000)));
		if (_stopping) break;
		next = Poco::Timestamp() + _spreadInterval.totalMicroseconds();
		guarded([this, &busy] {
			if (_gossiper->hasOutbox()) _gossiper->flush();
			busy = _gossiper->spread() || _gossiper->hasOutbox();
		});
	}
}

void GossipPlugin::guarded(const std::function<void()>& step)
{
	try
	{
		step();
	}
	catch (const Poco::Exception& exc)
	{
		_context->logger().error("gossip failed: %s", exc.displayText());
	}
	catch (const std::exception& exc)
	{
		_context->logger().error("gossip failed: %s", std::string(exc.what()));
	}
}

void GossipPlugin::rumour(Request& request, Response& response)
{
	GossipMessage message = GossipMessage::fromJson(*request.jsonObject(), _settings.maxEntries);
	const std::vector<std::string> named = message.peers;
	_gossiper->receive(std::move(message), false);
	if (_gossiper->hasOutbox()) _wakeSpreader.set();

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
	GossipMessage message = GossipMessage::fromText(request.content(), _settings.maxMembers);
	if (!message.from) throw BadRequestException("a 'from' line is required: who is exchanging state");
	if (!message.fullState && message.members.size() > _settings.maxEntries)
		throw BadRequestException("the message has " + std::to_string(message.members.size()) + " news entries, more than " +
		                          std::to_string(_settings.maxEntries) + " (gossip.max_peers_per_message)");
	response.send(_gossiper->receive(std::move(message)).toText(), GossipMessage::kTextType);
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
	body->set("health", _gossiper->health());
	body->set("syncs", stats.syncs);
	body->set("whole_views_sent", stats.wholeViews);
	body->set("pending_news", _gossiper->pendingNews());
	body->set("digest", _gossiper->digest());
	body->set("suspects", _gossiper->detector().suspects());
	// Who suspects whom, as far as this node has heard.
	Poco::JSON::Array::Ptr suspicions = new Poco::JSON::Array;
	for (const auto& suspicion : _gossiper->detector().suspicions())
	{
		auto item = json::object();
		item->set("id", suspicion.id);
		item->set("incarnation", suspicion.incarnation);
		Poco::JSON::Array::Ptr accusers = new Poco::JSON::Array;
		for (const auto& accuser : suspicion.accusers) accusers->add(accuser);
		item->set("accusers", accusers);
		item->set("since_ms_ago", suspicion.since.elapsed() / 1000);
		item->set("timeout_ms", suspicion.timeout.totalMilliseconds());
		suspicions->add(item);
	}
	body->set("suspicions", suspicions);
	body->set("refutations", stats.refutations);
	body->set("reconnects", stats.reconnects);
	body->set("declared_dead", stats.declaredDead);
	body->set("bytes_sent", bytesSent());
	body->set("bytes_received", bytesReceived());
	body->set("transport", _udp ? "udp" : "http");
	body->set("fallbacks", stats.fallbacks);
	body->set("interval_ms", _interval.totalMilliseconds());
	body->set("spread_interval_ms", _spreadInterval.totalMilliseconds());
	body->set("sync_interval_ms", _settings.syncInterval.totalMilliseconds());
	body->set("fanout", _settings.fanout);
	response.json(body);
}

void GossipPlugin::addMetrics()
{
	auto& metrics = _context->metrics();
	Gossiper* g = _gossiper.get();
	GossipPlugin* t = this;
	metrics.counted("p2p_gossip_rounds_total", "Gossip periods run.", {}, [g] { return static_cast<double>(g->stats().rounds); });
	metrics.counted("p2p_gossip_messages_sent_total", "Gossip messages sent (exchanges, probes, rumours).", {},
	              [g] { return static_cast<double>(g->stats().sent); });
	metrics.counted("p2p_gossip_messages_received_total", "Gossip messages received.", {},
	              [g] { return static_cast<double>(g->stats().received); });
	metrics.counted("p2p_gossip_messages_dropped_total", "Rumours not forwarded.", {{"reason", "ttl_expired"}},
	              [g] { return static_cast<double>(g->stats().droppedTtl); });
	metrics.counted("p2p_gossip_messages_dropped_total", "Rumours not forwarded.", {{"reason", "duplicate"}},
	              [g] { return static_cast<double>(g->stats().droppedDuplicate); });
	metrics.counted("p2p_gossip_bytes_sent_total",
	              "Bytes of the gossip messages this node sent: datagrams, and HTTP requests with their heads.", {},
	              [t] { return static_cast<double>(t->bytesSent()); });
	metrics.counted("p2p_gossip_bytes_received_total",
	              "Bytes of the answers to this node's gossip messages: datagrams, and HTTP answers with their heads.", {},
	              [t] { return static_cast<double>(t->bytesReceived()); });
	metrics.counted("p2p_gossip_fallbacks_total", "Probes answered over HTTP only: their datagram was lost.", {},
	              [g] { return static_cast<double>(g->stats().fallbacks); });
	metrics.counted("p2p_gossip_syncs_total", "Digests of the view compared with another node's.", {},
	              [g] { return static_cast<double>(g->stats().syncs); });
	metrics.counted("p2p_gossip_whole_views_sent_total", "Whole views sent because digests differed.", {},
	              [g] { return static_cast<double>(g->stats().wholeViews); });
	metrics.gauge("p2p_gossip_pending_news", "Changes of the view this node is still spreading.", {},
	              [g] { return static_cast<double>(g->pendingNews()); });
	metrics.gauge("p2p_gossip_health_score", "Local health: 0 while probes are answered in time, up to 8 as they are not; "
	              "periods and timeouts stretch by 1 + this.", {}, [g] { return static_cast<double>(g->health()); });
	metrics.counted("p2p_gossip_refutations_total", "Rumours of this node's suspicion or death it refuted.", {},
	              [g] { return static_cast<double>(g->stats().refutations); });
	metrics.counted("p2p_gossip_reconnects_total", "Members held dead that answered a sync, and came back.", {},
	              [g] { return static_cast<double>(g->stats().reconnects); });
	metrics.counted("p2p_gossip_declared_dead_total", "Suspects this node declared dead when their suspicion ran out.", {},
	              [g] { return static_cast<double>(g->stats().declaredDead); });
	metrics.gauge("p2p_gossip_suspects", "Members suspected now, their clocks running.", {},
	              [g] { return static_cast<double>(g->detector().suspects()); });
}

} // namespace p2p::gossip

P2P_EXPORT_PLUGIN(p2p::gossip::GossipPlugin)
