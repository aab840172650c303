#include "Gossiper.h"
#include "MemberCodec.h"
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
/// Periods between two exchanges with a seed once one has answered.
constexpr Poco::UInt64 kSeedRounds = 30;

} // namespace

GossipTransport::~GossipTransport() = default;

Gossiper::Gossiper(Membership& view, GossipTransport& transport, Settings settings):
	_view(view),
	_transport(transport),
	_settings(std::move(settings)),
	_detector(view, _settings.suspectTimeout)
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
	return s;
}

std::vector<Member> Gossiper::viewWithSelf() const
{
	auto all = _view.members();
	all.push_back(self());
	return all;
}

GossipMessage Gossiper::outgoing(int ttl)
{
	GossipMessage message;
	message.id = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
	message.ttl = ttl;
	message.from = self();
	message.members = _rumors.select(viewWithSelf(), _settings.maxEntries);
	return message;
}

void Gossiper::observe(const MembershipEvent& event)
{
	_detector.observe(event);
	_rumors.changed(event.member.id, _view.size() + 1);
	Poco::FastMutex::ScopedLock lock(_deadMutex);
	if (event.kind != MembershipEvent::Kind::Left && event.member.state == MemberState::Dead)
		_deadSince.emplace(event.member.id, Poco::Timestamp());
	else
		_deadSince.erase(event.member.id);
}

void Gossiper::merge(const GossipMessage& message, bool direct)
{
	const Poco::Timestamp now;
	const auto take = [&](Member member, bool sighting) {
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
				_rumors.changed(member.id, _view.size() + 1);
			}
			return;
		}
		// News of the death of a member we do not know (any more) is not
		// taken: it would bring back members forgotten after their retention.
		Member known;
		if (member.state == MemberState::Dead && !_view.find(member.id, known)) return;
		member.lastSeen = sighting ? now : Poco::Timestamp(0);
		_view.update(member);
	};
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
	if (message.id.empty()) message.id = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
	const bool rumour = message.ttl > 0 || !message.peers.empty();
	if (rumour)
	{
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
				GossipMessage onward = outgoing(std::min(message.ttl, _settings.maxTtl) - 1);
				onward.id = message.id;
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

	GossipMessage answer;
	if (!wantAnswer) return answer;
	answer.from = self();
	answer.members = _rumors.select(viewWithSelf(), _settings.maxEntries);
	if (message.from)
	{
		// Tell a sender we think is suspect or dead, so it can refute.
		Member known;
		if (_view.find(message.from->id, known) && known.state != MemberState::Alive &&
		    std::none_of(answer.members.begin(), answer.members.end(), [&](const Member& m) { return m.id == known.id; }))
		{
			if (answer.members.size() >= _settings.maxEntries && !answer.members.empty()) answer.members.pop_back();
			answer.members.push_back(known);
		}
	}
	return answer;
}

std::vector<Member> Gossiper::randomAlive(std::size_t k, const std::string& except)
{
	std::vector<Member> alive;
	for (auto& member : _view.alive())
		if (member.id != except) alive.push_back(std::move(member));
	// Callers that hold _mutex call this; the others take it for _random.
	std::shuffle(alive.begin(), alive.end(), _random);
	if (alive.size() > k) alive.resize(k);
	return alive;
}

bool Gossiper::exchangeWith(const std::string& url, Poco::Timespan timeout, const std::string& expectedId)
{
	try
	{
		GossipMessage message = outgoing(0);
		Member known;
		if (!expectedId.empty() && _view.find(expectedId, known) && known.state != MemberState::Alive)
			message.members.push_back(known); // so it can refute
		const GossipMessage answer = _transport.exchange(url, message, timeout);
		++_sent;
		// Whoever answers at a member's old URL is not that member.
		if (!expectedId.empty() && (!answer.from || answer.from->id != expectedId)) return false;
		merge(answer, true);
		return true;
	}
	catch (const Poco::Exception&)
	{
		++_sent;
		++_failedExchanges;
		return false;
	}
}

bool Gossiper::probe(const Member& target)
{
	// Only a member, at the URL this node knows for it: a request cannot
	// make this node contact an address of its choosing.
	Member known;
	if (!_view.find(target.id, known)) return false;
	return exchangeWith(known.url, _settings.probeTimeout, known.id);
}

void Gossiper::round()
{
	++_rounds;
	_detector.expire();

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

	// The probe: this period's first exchange (SWIM section 3.1).
	std::string probed;
	if (auto target = _detector.nextTarget())
	{
		probed = target->id;
		if (!exchangeWith(target->url, _settings.probeTimeout, target->id))
		{
			std::vector<std::future<bool>> answers;
			for (const auto& helper : _detector.helpers(*target, _settings.indirectProbes))
			{
				answers.push_back(std::async(std::launch::async, [this, helper, target] {
					try
					{
						return _transport.probeVia(helper.url, *target, _settings.probeTimeout + _settings.probeTimeout);
					}
					catch (const Poco::Exception&)
					{
						return false;
					}
				}));
			}
			bool reached = false;
			for (auto& answer : answers) reached = answer.get() || reached;
			if (!reached)
			{
				++_probesFailed;
				_detector.suspect(*target);
			}
		}
	}

	std::vector<Member> others;
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		others = randomAlive(_settings.fanout > 0 ? _settings.fanout - 1 : 0, probed);
	}
	for (const auto& peer : others) exchangeWith(peer.url, _settings.probeTimeout, peer.id);

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
		while (!_introductions.empty() && contacts.size() < kIntroductionsPerRound)
		{
			contacts.push_back(*_introductions.begin());
			_introductions.erase(_introductions.begin());
		}
	}
	for (std::size_t i = 0; i < contacts.size(); ++i)
	{
		const bool answered = exchangeWith(contacts[i], _settings.probeTimeout);
		if (i < seedContacts && answered)
		{
			_seedAnswered = true;
			_view.markSynced(); // a seed's view is the network's
		}
	}
}

void Gossiper::leave()
{
	GossipMessage farewell = outgoing(0);
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
	// the periods; the loop calls again while there are more.
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
			merge(_transport.exchange(url, message, _settings.probeTimeout), true);
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
