#include "cluster/Registrar.h"
#include "support/FreeMemory.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include <Poco/Timestamp.h>
#include <Poco/URI.h>
#include <algorithm>
#include <unistd.h>
#include <pthread.h>

namespace p2p {

namespace {

PeerClient::Settings unpooled()
{
	PeerClient::Settings s;
	s.maxIdlePerPeer = 0;
	// Short enough that stopping the node never waits long on a bootstrap
	// node that hangs (stop() joins this thread), long enough for one that
	// is busy with a thousand nodes joining: a registration that timed out
	// is sent again, which would only add to its load.
	s.connectTimeout = Poco::Timespan(1, 0);
	s.requestTimeout = Poco::Timespan(5, 0);
	return s;
}

} // namespace

Registrar::Registrar(Settings settings, Membership& membership, const PeerClient& peers):
	_settings(std::move(settings)),
	_membership(membership),
	_client(unpooled(), peers),
	_logger(Poco::Logger::get("membership")),
	_thread("registrar")
{
	if (_settings.bootstrapUrls.empty()) throw Poco::InvalidArgumentException("the registrar needs a bootstrap URL");
}

Registrar::~Registrar()
{
	stop();
}

std::string Registrar::bootstrapUrl() const
{
	return _settings.bootstrapUrls[_current.load() % _settings.bootstrapUrls.size()];
}

void Registrar::start()
{
	if (_running) return;
	_running = true;
	_thread.startFunc([this] { run(); });
}

void Registrar::stop()
{
	if (!_running) return;
	_running = false;
	_stopRequested.set();
	_thread.join();
	if (_registered) leave();
}

void Registrar::registerSelf(const std::string& bootstrap)
{
	auto body = json::object();
	body->set("id", _membership.self().id);
	body->set("address", _membership.self().advertisedUrl);
	PeerResponse response = _client.sendJson(bootstrap, "POST", "/register", body);
	if (response.status != 200)
		throw BadGatewayException("bootstrap node " + bootstrap + " refused the registration with " +
		                          std::to_string(response.status) + ": " + response.body);
	if (!_registered.exchange(true))
		_logger.information("registered with %s as %s", bootstrap, _membership.self().advertisedUrl);
}

bool Registrar::refreshPeers(const std::string& bootstrap)
{
	// Conditional: while nobody joins or leaves, the bootstrap node answers
	// 304 without building the list.
	PeerClient::Headers conditional;
	if (!_listTag.empty() && bootstrap == _listTagFrom) conditional.emplace_back("If-None-Match", _listTag);
	PeerResponse response = _client.send(bootstrap, "GET", "/peers?detail=true", "", "application/json", conditional);
	if (response.status == 304)
	{
		_membership.markSynced();
		return false;
	}
	if (response.status != 200)
		throw BadGatewayException("bootstrap node " + bootstrap + " answered GET /peers with " + std::to_string(response.status));
	_listTag = response.etag;
	_listTagFrom = bootstrap;
	auto peers = json::asObject(json::parse(response.body))->getArray("peers");
	if (!peers) throw BadGatewayException("bootstrap node " + bootstrap + " sent a peer list without 'peers'");

	bool changed = false;
	std::set<std::string> listed;
	const Poco::Timestamp now;
	for (std::size_t i = 0; i < peers->size(); ++i)
	{
		auto entry = peers->getObject(static_cast<unsigned>(i));
		if (!entry || !entry->has("id") || !entry->has("address")) continue;
		Member member;
		member.id = entry->getValue<std::string>("id");
		member.url = entry->getValue<std::string>("address");
		member.lastSeen = now;
		if (member.id == _membership.self().id) continue;
		listed.insert(member.id);
		Member known;
		if (!_learned.count(member.id) && _membership.find(member.id, known)) continue; // another source speaks for it
		_learned.insert(member.id);
		changed = _membership.update(member) || changed;
	}
	// A node whose lease ran out at the bootstrap leaves our view too, but
	// only the ones we learned here: other sources (gossip) speak for theirs,
	// and with gossip running it speaks for all.
	for (auto it = _learned.begin(); it != _learned.end();)
	{
		if (_membership.gossiping())
		{
			it = _learned.erase(it);
			continue;
		}
		if (listed.count(*it))
		{
			++it;
			continue;
		}
		changed = _membership.remove(*it) || changed;
		it = _learned.erase(it);
	}
	_membership.markSynced();
	// A list of a thousand nodes parses into a few hundred KB freed at once.
	returnFreeMemory();
	return changed;
}

bool Registrar::needsPeerList() const
{
	// With gossip, one list is enough to join through, unless none of its
	// members turned out alive (they all left since): then another.
	if (!_membership.gossiping() || _listTagFrom.empty()) return true;
	return _membership.countByState()[static_cast<std::size_t>(MemberState::Alive)] == 0;
}

void Registrar::run()
{
	pthread_setname_np(pthread_self(), "registrar");
	Backoff retry(_settings.retryMinMs, _settings.retryMaxMs,
	              static_cast<Poco::UInt32>(Poco::Timestamp().epochMicroseconds() ^ static_cast<Poco::UInt64>(::getpid())));
	Poco::Timestamp nextRenew(0);
	long refreshMs = _settings.refreshMinMs;
	bool failing = false;
	while (true)
	{
		long waitMs;
		const std::string bootstrap = bootstrapUrl();
		try
		{
			if (!_registered || nextRenew.isElapsed(0))
			{
				registerSelf(bootstrap);
				nextRenew = Poco::Timestamp() + _settings.renewMs * 1000;
				if (_stopRequested.tryWait(0)) return;
			}
			const long untilRenewal = static_cast<long>(std::max<Poco::Timestamp::TimeDiff>(1, -nextRenew.elapsed() / 1000));
			if (needsPeerList())
			{
				// Poll fast while the network is forming, slowly once it is not.
				refreshMs = refreshPeers(bootstrap) ? _settings.refreshMinMs : std::min(refreshMs * 2, _settings.refreshMaxMs);
				waitMs = std::min<long>(refreshMs, untilRenewal);
			}
			else
			{
				// Gossip keeps the view: the lease is all this thread keeps.
				waitMs = untilRenewal;
			}
			if (failing) _logger.information("bootstrap node %s is reachable again", bootstrap);
			failing = false;
			retry.reset();
		}
		catch (const Poco::Exception& exc)
		{
			// Said once per outage, not on every retry.
			if (!failing) _logger.warning("%s; retrying with backoff", exc.message());
			failing = true;
			_registered = false;
			++_current; // next time, the next bootstrap node in the list
			waitMs = retry.next();
		}
		if (_stopRequested.tryWait(waitMs)) return;
	}
}

void Registrar::leave()
{
	PeerClient::Settings quick;
	quick.connectTimeout = Poco::Timespan(0, 500 * 1000);
	quick.requestTimeout = Poco::Timespan(1, 0);
	PeerClient client(quick, _client);
	std::string path;
	Poco::URI::encode(_membership.self().id, "/?#", path);
	try
	{
		client.send(bootstrapUrl(), "DELETE", "/register/" + path);
		_logger.information("left the network at %s", bootstrapUrl());
	}
	catch (const Poco::Exception& exc)
	{
		// The lease runs out on its own; leaving is a courtesy.
		_logger.warning("could not deregister: %s", exc.message());
	}
	_registered = false;
}

} // namespace p2p
