#include "Gossiper.h"
#include "MemberCodec.h"
#include <Poco/DigestEngine.h>
#include <Poco/SHA1Engine.h>
#include <algorithm>
#include <future>

namespace p2p::gossip {

namespace {

/// Introduced peer URLs contacted per period, so a flood of them costs little.
constexpr std::size_t kIntroductionsPerRound = 3;

} // namespace

GossipTransport::~GossipTransport() = default;

Gossiper::Gossiper(Membership& view, GossipTransport& transport, Settings settings):
	_view(view),
	_transport(transport),
	_settings(std::move(settings)),
	_detector(view, _settings.suspicion),
	_broadcasts(_settings.retransmitMultiplier),
	_rumours(view, transport, RumourRelay::Settings{_settings.fanout, _settings.maxTtl, _settings.probeTimeout}),
	_greeter(transport, _settings.probeTimeout),
	_schedule(_settings.syncInterval, _settings.seeds, view.self().advertisedUrl)
{
	// Starting from the clock rather than 0 makes a restarted node newer
	// than every rumour of its earlier life, so it is accepted back at once.
	_incarnation = static_cast<Poco::UInt64>(Poco::Timestamp().epochTime());
}

Member Gossiper::self() const
{
	Member member;
	member.id = _view.self().id;
	member.url = _view.self().advertisedUrl;
	member.state = MemberState::Alive;
	member.incarnation = _incarnation.load();
	return member;
}

Gossiper::Stats Gossiper::stats() const
{
	const RumourRelay::Stats rumours = _rumours.stats();
	Stats s;
	s.rounds = _rounds;
	s.sent = _sent + rumours.sent + _greeter.sent();
	s.received = _received;
	s.droppedTtl = rumours.droppedTtl;
	s.droppedDuplicate = rumours.droppedDuplicate;
	s.failedExchanges = _failedExchanges + rumours.failed + _greeter.failed();
	s.probesFailed = _probesFailed;
	s.syncs = _syncs;
	s.wholeViews = _wholeViews;
	s.fallbacks = _fallbacks;
	s.refutations = _refutations;
	s.reconnects = _reconnects;
	s.declaredDead = _declaredDead;
	return s;
}

std::vector<Member> Gossiper::viewWithSelf() const
{
	auto all = _view.members();
	const Member me = self();
	all.insert(std::lower_bound(all.begin(), all.end(), me, [](const Member& a, const Member& b) { return a.id < b.id; }), me);
	return all;
}

std::string Gossiper::digest() const
{
	// Dead members are left out: nodes forget them at different times, and
	// a member dead here but alive there still makes the digests differ.
	Poco::SHA1Engine sha1;
	for (const auto& member : viewWithSelf())
	{
		if (member.state == MemberState::Dead) continue;
		sha1.update(MemberCodec::toLine(member));
		sha1.update('\n');
	}
	const auto& bytes = sha1.digest();
	return Poco::DigestEngine::digestToHex(Poco::DigestEngine::Digest(bytes.begin(), bytes.begin() + 8));
}

GossipMessage Gossiper::news()
{
	GossipMessage message;
	message.from = self();
	std::size_t bytes = message.toText().size();
	// Entries are read as they are taken: what does not fit the message
	// stays queued for the next one, uncounted.
	_broadcasts.take(_settings.maxEntries, _view.size() + 1, [&](const std::string& id) {
		Member member;
		if (id == _view.self().id)
			member = self();
		else if (!_view.find(id, member))
			return false; // forgotten meanwhile: its news goes when it is sent last
		std::size_t line = MemberCodec::toLine(member).size() + 8; // "member ", '\n'
		// A suspicion goes with its accusers, so that others can count the
		// confirmations that shorten it.
		GossipMessage::Accusation accusation{member.id, member.incarnation, {}};
		if (member.state == MemberState::Suspect) accusation.accusers = _detector.accusersOf(member.id, member.incarnation);
		if (!accusation.accusers.empty()) line += GossipMessage::accusationLine(accusation).size() + 1;
		if (_settings.maxMessageBytes > 0 && bytes + line > _settings.maxMessageBytes) return false;
		bytes += line;
		message.members.push_back(std::move(member));
		if (!accusation.accusers.empty()) message.accusations.push_back(std::move(accusation));
		return true;
	});
	return message;
}

GossipMessage Gossiper::wholeView() const
{
	GossipMessage message;
	message.from = self();
	message.fullState = true;
	message.members = _view.members();
	if (message.members.size() > _settings.maxMembers) message.members.resize(_settings.maxMembers);
	return message;
}

void Gossiper::observe(const MembershipEvent& event)
{
	_detector.observe(event);
	Poco::FastMutex::ScopedLock lock(_deadMutex);
	if (event.kind != MembershipEvent::Kind::Left && event.member.state == MemberState::Dead)
		_deadSince.emplace(event.member.id, Poco::Timestamp());
	else
		_deadSince.erase(event.member.id);
}

void Gossiper::announce(const std::string& id)
{
	_broadcasts.changed(id);
	if (_onNews) _onNews();
}

void Gossiper::take(Member member, bool sighting)
{
	if (member.id == _view.self().id)
	{
		// A rumour that we are suspect or dead: refute it with a higher
		// incarnation, which only we may raise (SWIM section 4.2).
		Poco::UInt64 mine = _incarnation.load();
		if (member.state != MemberState::Alive && member.incarnation >= mine &&
		    member.incarnation < MemberCodec::kMaxIncarnation)
		{
			while (!_incarnation.compare_exchange_weak(mine, std::max(mine, member.incarnation + 1)))
			{
			}
			announce(member.id);
			++_refutations;
			_health.worse(); // others found this node slow to answer
		}
		return;
	}
	// News of the death of a member we do not know (any more) is not
	// taken: it would bring back members forgotten after their retention.
	Member known;
	const bool wasKnown = _view.find(member.id, known);
	if (member.state == MemberState::Dead && !wasKnown) return;
	member.lastSeen = sighting ? Poco::Timestamp() : Poco::Timestamp(0);
	if (!_view.update(member)) return;
	// News is a known member's changed state (suspected, dead, back) or
	// address. A join is not: each new node greets every member it knows
	// (Greeter), so spreading joins too would cost a forming network of N
	// nodes N x N x 16 sends for what N x N / 2 greetings tell.
	if (wasKnown && (known.state != member.state || known.url != member.url)) announce(member.id);
}

void Gossiper::merge(const GossipMessage& message, bool direct)
{
	if (message.from) take(*message.from, direct);
	for (auto member : message.members)
	{
		// A whole view says whom its sender held dead, perhaps only because
		// a partition cut them off: here that is a suspicion, which a live
		// member refutes, not a verdict that would drop it from the ring at
		// once (memberlist merges push-pull state the same way).
		// Only for a member known here and not dead: news of the death of
		// one forgotten must not bring it back (take() refuses it as Dead).
		Member known;
		if (message.fullState && member.state == MemberState::Dead && _view.find(member.id, known) &&
		    known.state != MemberState::Dead)
			member.state = MemberState::Suspect;
		take(std::move(member), false);
	}
	for (const auto& accusation : message.accusations)
		if (_detector.confirm(accusation.id, accusation.incarnation, accusation.accusers)) announce(accusation.id);
	// A whole view's suspicions count its sender as an accuser.
	if (message.fullState && message.from)
		for (const auto& member : message.members)
			if (member.state != MemberState::Alive && _detector.confirm(member.id, member.incarnation, {message.from->id}))
				announce(member.id);
}

GossipMessage Gossiper::receive(GossipMessage message, bool wantAnswer)
{
	++_received;
	merge(message, message.from.has_value());

	_rumours.relay(message, self());

	if (!wantAnswer) return {};
	// A digest asks for a sync: the whole view goes back only when they differ.
	std::string mine;
	if (!message.digest.empty())
	{
		++_syncs;
		mine = digest();
	}
	const bool whole = !mine.empty() && mine != message.digest;
	if (whole) ++_wholeViews;
	GossipMessage answer = whole ? wholeView() : news();
	answer.digest = mine;
	if (message.from && !whole) tellIfSuspected(answer, message.from->id);
	return answer;
}

void Gossiper::tellIfSuspected(GossipMessage& message, const std::string& id) const
{
	Member known;
	if (_view.find(id, known) && known.state != MemberState::Alive &&
	    std::none_of(message.members.begin(), message.members.end(), [&](const Member& m) { return m.id == id; }))
		message.members.push_back(known);
}

std::vector<Member> Gossiper::randomAlive(std::size_t k, const std::string& except)
{
	// Callers hold _mutex, for _random. Only the k chosen are copied: a
	// thousand-member view is not copied five times a second.
	return _view.sample(k, _random, [&except](const Member& member) {
		return member.state == MemberState::Alive && member.id != except;
	});
}

bool Gossiper::exchangeWith(const std::string& url, GossipMessage message, Poco::Timespan timeout, const std::string& expectedId,
                            bool reliably)
{
	try
	{
		if (!expectedId.empty()) tellIfSuspected(message, expectedId);
		const GossipMessage answer =
			reliably ? _transport.exchangeReliably(url, message, timeout) : _transport.exchange(url, message, timeout);
		++_sent;
		// Whoever answers at a member's old URL is not that member.
		if (!expectedId.empty() && (!answer.from || answer.from->id != expectedId)) return false;
		merge(answer, true);
		if (!message.digest.empty() && answer.fullState && digest() != answer.digest)
		{
			// It lacks what only we know: our whole view goes back.
			++_wholeViews;
			merge(_transport.exchange(url, wholeView(), timeout), true);
			++_sent;
		}
		return true;
	}
	catch (const Poco::Exception&)
	{
		++_sent;
		++_failedExchanges;
		return false;
	}
}

bool Gossiper::syncWith(const std::string& url, const std::string& expectedId)
{
	GossipMessage message = news();
	message.digest = digest();
	++_syncs;
	// Whole views take longer to write and read than probes.
	return exchangeWith(url, std::move(message), _settings.probeTimeout + _settings.probeTimeout, expectedId);
}

bool Gossiper::probe(const Member& target)
{
	// Only a member, at the URL this node knows for it: a request cannot
	// make this node contact an address of its choosing.
	Member known;
	if (!_view.find(target.id, known)) return false;
	return exchangeWith(known.url, news(), scaled(_settings.probeTimeout), known.id);
}

void Gossiper::forgetTheLongDead()
{
	// Forget members dead for longer than the retention: by then every
	// node has heard, and a stale "alive" about them is older still.
	std::vector<std::string> forgotten;
	{
		Poco::FastMutex::ScopedLock lock(_deadMutex);
		for (const auto& [id, since] : _deadSince)
			if (since.elapsed() > _settings.deadRetention.totalMicroseconds()) forgotten.push_back(id);
	}
	for (const auto& id : forgotten)
	{
		// Events of two threads may reach listeners swapped: trust the view.
		Member member;
		if (_view.find(id, member) && member.state == MemberState::Dead)
			_view.remove(id); // the listener clears _deadSince
		else
		{
			Poco::FastMutex::ScopedLock lock(_deadMutex);
			_deadSince.erase(id);
		}
	}
}

void Gossiper::probeNext()
{
	// The probe: this period's one message, news riding on it (SWIM section 3.1, 4).
	auto target = _detector.nextTarget();
	if (!target) return;
	const Poco::Timespan timeout = scaled(_settings.probeTimeout);
	if (exchangeWith(target->url, news(), timeout, target->id))
	{
		_health.better();
		return;
	}
	const Retry retry = probeAgain(*target, timeout);
	// The miss may be this node's own slowness, unless the helpers answered
	// that they could not reach the target either (Lifeguard's nacks): then
	// this node's messages get through, and the fault is the target's or
	// its link's. Each helper that did not answer at all counts, as in
	// memberlist, so a node cut off from most of the network slows down
	// while one on the healthy side of a partition keeps its pace.
	for (std::size_t i = 0; i < retry.silentHelpers; ++i) _health.worse();
	if (retry.reached) return;
	++_probesFailed;
	if (_detector.suspect(*target)) announce(target->id);
}

Gossiper::Retry Gossiper::probeAgain(const Member& target, Poco::Timespan timeout)
{
	// Others try (SWIM's indirect probes), and so do we over a connection
	// (memberlist's TCP fallback), all at once, so that lost datagrams alone
	// never make a live member suspect.
	enum class Helped
	{
		Reached,
		CouldNot, ///< the helper answered: it could not reach the target either
		Silent
	};
	std::vector<std::future<Helped>> answers;
	auto direct = std::async(std::launch::async, [this, &target, timeout] {
		return exchangeWith(target.url, news(), timeout, target.id, true);
	});
	for (const auto& helper : _detector.helpers(target, _settings.indirectProbes))
	{
		answers.push_back(std::async(std::launch::async, [this, helper, &target, timeout] {
			try
			{
				return _transport.probeVia(helper.url, target, timeout + timeout) ? Helped::Reached : Helped::CouldNot;
			}
			catch (const Poco::Exception&)
			{
				return Helped::Silent;
			}
		}));
	}
	Retry retry;
	for (auto& answer : answers)
	{
		const Helped helped = answer.get();
		retry.reached = retry.reached || helped == Helped::Reached;
		retry.silentHelpers += helped == Helped::Silent ? 1 : 0;
	}
	// Nobody to vouch for this node's own messages: count the miss itself.
	if (answers.empty()) retry.silentHelpers = 1;
	if (direct.get())
	{
		++_fallbacks;
		retry.reached = true;
	}
	return retry;
}

void Gossiper::syncWhenDue()
{
	if (!_schedule.syncDue()) return;
	std::vector<Member> partner;
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		partner = randomAlive(1, "");
	}
	if (partner.empty()) return; // alone: sync as soon as someone is known
	syncWith(partner.front().url, partner.front().id);
	_schedule.synced();
}

std::future<void> Gossiper::reconnectWhenDue()
{
	if (!_lastReconnect.isElapsed(_settings.reconnectInterval.totalMicroseconds())) return {};
	std::vector<Member> dead;
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		dead = _view.sample(1, _random, [](const Member& member) { return member.state == MemberState::Dead; });
	}
	if (dead.empty()) return {};
	_lastReconnect.update();
	// One member held dead: if it answers, it was cut off, not gone, and the
	// sync tells each side what the other missed (as Serf reconnects), so
	// the halves of a healed partition merge again. Beside the probe, not
	// before it: an address that is really gone costs a whole timeout.
	return std::async(std::launch::async, [this, member = dead.front()] {
		if (syncWith(member.url, member.id)) ++_reconnects;
	});
}

void Gossiper::join()
{
	// Through the seeds the schedule names, then each URL a client or a
	// rumour introduced that is not a member yet.
	const std::vector<std::string> seeds = _schedule.seedsFor(_rounds);
	for (const auto& url : seeds)
		if (syncWith(url))
		{
			_schedule.seedAnswered();
			_view.markSynced(); // a seed's view is the network's
		}
	for (const auto& url : _rumours.takeIntroductions(kIntroductionsPerRound)) syncWith(url);
}

void Gossiper::expireSuspects()
{
	for (const auto& dead : _detector.expire())
	{
		++_declaredDead;
		announce(dead.id);
	}
}

void Gossiper::round()
{
	++_rounds;
	expireSuspects();
	forgetTheLongDead();
	std::future<void> reconnect = reconnectWhenDue();
	probeNext();
	syncWhenDue();
	join();
	if (reconnect.valid()) reconnect.get();
	// After joining, which may have filled the view.
	if (_greeter.plan(_view) && _onNews) _onNews();
}

bool Gossiper::spread()
{
	GossipMessage hello;
	hello.from = self();
	hello.push = true;
	for (const auto& answer : _greeter.greetNext(hello)) merge(answer, true);
	const bool greetingsLeft = _greeter.pending();
	if (_broadcasts.pending() == 0) return greetingsLeft;
	std::vector<Member> targets;
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		targets = randomAlive(_settings.fanout, "");
	}
	// A message per target, each taking its own share of the news: a change
	// counts one send per message that carries it. Pushed, as memberlist
	// gossips: a datagram goes out and nobody waits for an answer (the
	// probes are what pull news back).
	for (const auto& peer : targets)
	{
		if (_broadcasts.pending() == 0) break;
		GossipMessage message = news();
		message.push = true;
		try
		{
			const GossipMessage answer = _transport.exchange(peer.url, message, _settings.probeTimeout);
			++_sent;
			if (answer.from && answer.from->id == peer.id) merge(answer, true);
		}
		catch (const Poco::Exception&)
		{
			++_sent;
			++_failedExchanges;
		}
	}
	return greetingsLeft || _broadcasts.pending() > 0;
}

void Gossiper::leave()
{
	GossipMessage farewell;
	farewell.from = self();
	farewell.from->state = MemberState::Dead;
	farewell.from->incarnation = ++_incarnation;
	std::vector<Member> peers;
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		peers = randomAlive(_settings.fanout, "");
	}
	for (const auto& peer : peers)
	{
		try
		{
			_transport.exchange(peer.url, farewell, _settings.probeTimeout);
			++_sent;
		}
		catch (const Poco::Exception&)
		{
			++_failedExchanges; // the others spread it, or probing finds out
		}
	}
}

} // namespace p2p::gossip
