#include "Gossiper.h"
#include "MemberCodec.h"
#include <Poco/DigestEngine.h>
#include <Poco/SHA1Engine.h>
#include <Poco/UUIDGenerator.h>
#include <algorithm>
#include <future>

namespace p2p::gossip {

namespace {

constexpr std::size_t kMaxOutbox = 1024;
constexpr std::size_t kFlushBatch = 32;
constexpr std::size_t kMaxIntroductions = 256;
/// New peer URLs contacted per period, so a flood of them costs little.
constexpr std::size_t kIntroductionsPerRound = 3;
/// Members greeted per spread interval: a node joining a thousand greets
/// them all in three seconds.
constexpr std::size_t kGreetingsPerSpread = 64;
/// Periods between two syncs with a seed once one has answered.
constexpr Poco::UInt64 kSeedRounds = 30;

} // namespace

GossipTransport::~GossipTransport() = default;

Gossiper::Gossiper(Membership& view, GossipTransport& transport, Settings settings):
	_view(view),
	_transport(transport),
	_settings(std::move(settings)),
	_detector(view, _settings.suspectTimeout),
	_broadcasts(_settings.retransmitMultiplier),
	_nextSync(0)
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
	Stats s;
	s.rounds = _rounds;
	s.sent = _sent;
	s.received = _received;
	s.droppedTtl = _droppedTtl;
	s.droppedDuplicate = _droppedDuplicate;
	s.failedExchanges = _failedExchanges;
	s.probesFailed = _probesFailed;
	s.syncs = _syncs;
	s.wholeViews = _wholeViews;
	s.fallbacks = _fallbacks;
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
		const std::size_t line = MemberCodec::toLine(member).size() + 8; // "member ", '\n'
		if (_settings.maxMessageBytes > 0 && bytes + line > _settings.maxMessageBytes) return false;
		bytes += line;
		message.members.push_back(std::move(member));
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
			adjustHealth(+1); // others found this node slow to answer
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
	// (greetNext), so spreading joins too would cost a forming network of N
	// nodes N x N x 16 sends for what N x N / 2 greetings tell.
	if (wasKnown && (known.state != member.state || known.url != member.url)) announce(member.id);
}

void Gossiper::merge(const GossipMessage& message, bool direct)
{
	if (message.from) take(*message.from, direct);
	for (const auto& member : message.members) take(member, false);
}

GossipMessage Gossiper::receive(GossipMessage message, bool wantAnswer)
{
	++_received;
	merge(message, message.from.has_value());

	const std::string selfUrl = _view.self().advertisedUrl;
	if (!message.peers.empty())
	{
		std::set<std::string> known;
		for (const auto& member : _view.members()) known.insert(member.url);
		Poco::FastMutex::ScopedLock lock(_mutex);
		for (const auto& url : message.peers)
			if (url != selfUrl && !known.count(url) && _introductions.size() < kMaxIntroductions) _introductions.insert(url);
	}

	// A rumour travels on while it has forwards left, once per node.
	const bool rumour = message.ttl > 0 || !message.peers.empty();
	if (rumour)
	{
		if (message.id.empty()) message.id = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
		if (!_seen.firstSight(message.id))
			++_droppedDuplicate;
		else if (std::min(message.ttl, _settings.maxTtl) <= 0)
			++_droppedTtl;
		else
		{
			const std::string sender = message.from ? message.from->id : std::string();
			std::vector<Member> targets;
			{
				Poco::FastMutex::ScopedLock lock(_mutex);
				targets = randomAlive(_settings.fanout, sender);
			}
			if (!targets.empty())
			{
				GossipMessage onward;
				onward.id = message.id;
				onward.ttl = std::min(message.ttl, _settings.maxTtl) - 1;
				onward.from = self();
				// Only the peers that are members go on: an unverified URL is
				// contacted by this node alone, not by every node the rumour reaches.
				std::set<std::string> members;
				for (const auto& member : _view.members()) members.insert(member.url);
				for (const auto& url : message.peers)
					if (members.count(url) || url == selfUrl) onward.peers.push_back(url);
				if (onward.peers.empty()) onward.peers.push_back(selfUrl); // still a rumour to its receivers
				Poco::FastMutex::ScopedLock lock(_mutex);
				for (const auto& peer : targets)
				{
					if (_outbox.size() >= kMaxOutbox) break;
					_outbox.emplace_back(peer.url, onward);
				}
			}
		}
	}

	if (!wantAnswer) return {};
	GossipMessage answer;
	if (!message.digest.empty())
	{
		++_syncs;
		const std::string mine = digest();
		if (mine != message.digest)
		{
			++_wholeViews;
			answer = wholeView();
		}
		else
		{
			answer = news();
		}
		answer.digest = mine;
	}
	else
	{
		answer = news();
	}
	if (message.from && !answer.fullState)
	{
		// Tell a sender we think is suspect or dead, so it can refute.
		Member known;
		if (_view.find(message.from->id, known) && known.state != MemberState::Alive &&
		    std::none_of(answer.members.begin(), answer.members.end(), [&](const Member& m) { return m.id == known.id; }))
			answer.members.push_back(known);
	}
	return answer;
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
		Member known;
		if (!expectedId.empty() && _view.find(expectedId, known) && known.state != MemberState::Alive &&
		    std::none_of(message.members.begin(), message.members.end(), [&](const Member& m) { return m.id == known.id; }))
			message.members.push_back(known); // so it can refute
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

Poco::Timespan Gossiper::scaled(Poco::Timespan span) const
{
	return Poco::Timespan(span.totalMicroseconds() * (1 + _health.load()));
}

void Gossiper::adjustHealth(int delta)
{
	int now = _health.load();
	while (!_health.compare_exchange_weak(now, std::clamp(now + delta, 0, kMaxHealth)))
	{
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
		adjustHealth(-1);
		return;
	}
	// A missed answer may be this node's own slowness as well as the
	// member's: probe less often and wait longer until answers come in time
	// again (Lifeguard's local health, Dadgar et al. 2018), so that an
	// overloaded machine does not make every node suspect every other.
	adjustHealth(+1);
	// No answer: others try (SWIM's indirect probes), and so do we over a
	// connection (memberlist's TCP fallback), all at once, so that lost
	// datagrams alone never make a live member suspect.
	std::vector<std::future<bool>> answers;
	auto direct = std::async(std::launch::async, [this, target, timeout] {
		return exchangeWith(target->url, news(), timeout, target->id, true);
	});
	for (const auto& helper : _detector.helpers(*target, _settings.indirectProbes))
	{
		answers.push_back(std::async(std::launch::async, [this, helper, target, timeout] {
			try
			{
				return _transport.probeVia(helper.url, *target, timeout + timeout);
			}
			catch (const Poco::Exception&)
			{
				return false;
			}
		}));
	}
	bool reached = false;
	for (auto& answer : answers) reached = answer.get() || reached;
	if (direct.get())
	{
		++_fallbacks;
		return;
	}
	if (reached) return;
	++_probesFailed;
	if (_detector.suspect(*target)) announce(target->id);
}

void Gossiper::syncWhenDue()
{
	if (!_nextSync.isElapsed(0)) return;
	std::vector<Member> partner;
	std::vector<Member> dead;
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		partner = randomAlive(1, "");
		dead = _view.sample(1, _random, [](const Member& member) { return member.state == MemberState::Dead; });
	}
	if (partner.empty() && dead.empty()) return; // alone: sync as soon as someone is known
	if (!partner.empty()) syncWith(partner.front().url, partner.front().id);
	// And one member held dead: if it answers, it was cut off, not gone, and
	// the sync tells each side what the other missed (as Serf reconnects).
	if (!dead.empty()) syncWith(dead.front().url, dead.front().id);

	// The first sync came at once (joining); the next ones every interval,
	// jittered, so that nodes started together do not sync together.
	const Poco::Timespan::TimeDiff wait = _settings.syncInterval.totalMicroseconds();
	Poco::Timespan::TimeDiff jittered;
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		jittered = std::uniform_int_distribution<Poco::Timespan::TimeDiff>(wait * 3 / 4, wait * 5 / 4 + 1)(_random);
	}
	_nextSync = Poco::Timestamp() + jittered;
}

void Gossiper::join()
{
	// Joining: through every seed until one answered (knowing some other
	// node is not enough: nodes that started together may know only each
	// other, and seeds that were not up yet must still hear of the
	// joiners), then through a random seed every kSeedRounds periods to heal
	// a partition; and each URL a client or a rumour named that is not a
	// member yet.
	std::vector<std::string> contacts;
	std::vector<std::string> seeds;
	for (const auto& url : _settings.seeds)
		if (url != _view.self().advertisedUrl) seeds.push_back(url);
	std::size_t seedContacts = 0;
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		if (!seeds.empty() && !_seedAnswered)
			contacts = seeds;
		else if (!seeds.empty() && _rounds % kSeedRounds == 0)
			contacts.push_back(seeds[std::uniform_int_distribution<std::size_t>(0, seeds.size() - 1)(_random)]);
		seedContacts = contacts.size();
		while (!_introductions.empty() && contacts.size() < seedContacts + kIntroductionsPerRound)
		{
			contacts.push_back(*_introductions.begin());
			_introductions.erase(_introductions.begin());
		}
	}
	for (std::size_t i = 0; i < contacts.size(); ++i)
	{
		const bool answered = syncWith(contacts[i]);
		if (i < seedContacts && answered)
		{
			_seedAnswered = true;
			_view.markSynced(); // a seed's view is the network's
		}
	}
}

void Gossiper::planGreetings()
{
	// Once, when the view is first filled (a bootstrap node's list, or a
	// seed's whole view): every member hears of this node from itself.
	if (_greeted || !_view.synced()) return;
	std::vector<std::string> urls;
	for (const auto& member : _view.members())
		if (member.state != MemberState::Dead) urls.push_back(member.url);
	if (urls.empty()) return; // alone so far: whoever comes greets us
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		std::shuffle(urls.begin(), urls.end(), _random);
		_greetings.assign(urls.begin(), urls.end());
	}
	_greeted = true;
	if (_onNews) _onNews();
}

void Gossiper::greetNext()
{
	std::vector<std::string> batch;
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		while (!_greetings.empty() && batch.size() < kGreetingsPerSpread)
		{
			batch.push_back(std::move(_greetings.front()));
			_greetings.pop_front();
		}
	}
	GossipMessage hello;
	hello.from = self();
	hello.push = true;
	for (const auto& url : batch)
	{
		try
		{
			const GossipMessage answer = _transport.exchange(url, hello, _settings.probeTimeout);
			++_sent;
			if (answer.from) merge(answer, true);
		}
		catch (const Poco::Exception&)
		{
			++_sent;
			++_failedExchanges; // a member gone since: nothing to greet
		}
	}
}

void Gossiper::expireSuspects()
{
	for (const auto& dead : _detector.expire()) announce(dead.id);
}

void Gossiper::round()
{
	++_rounds;
	expireSuspects();
	forgetTheLongDead();
	probeNext();
	syncWhenDue();
	join();
	planGreetings(); // after joining, which may have filled the view
}

bool Gossiper::spread()
{
	greetNext();
	bool greetingsLeft;
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		greetingsLeft = !_greetings.empty();
	}
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

bool Gossiper::hasOutbox()
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	return !_outbox.empty();
}

void Gossiper::flush()
{
	// A bounded batch per call, so that a burst of rumours cannot hold up
	// the news; the loop calls again while there are more.
	std::deque<std::pair<std::string, GossipMessage>> batch;
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		while (!_outbox.empty() && batch.size() < kFlushBatch)
		{
			batch.push_back(std::move(_outbox.front()));
			_outbox.pop_front();
		}
	}
	for (const auto& [url, message] : batch)
	{
		try
		{
			_transport.rumour(url, message, _settings.probeTimeout);
			++_sent;
		}
		catch (const Poco::Exception&)
		{
			++_sent;
			++_failedExchanges;
		}
	}
}

} // namespace p2p::gossip
