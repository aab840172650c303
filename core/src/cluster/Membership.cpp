#include "p2p/Membership.h"
#include <algorithm>

namespace p2p {

const char* toString(MemberState state)
{
	switch (state)
	{
	case MemberState::Alive: return "alive";
	case MemberState::Suspect: return "suspect";
	case MemberState::Dead: return "dead";
	}
	return "unknown";
}

Membership::Membership(NodeIdentity self, std::size_t maxMembers): _self(std::move(self)), _maxMembers(maxMembers)
{
}

bool Membership::update(const Member& news)
{
	if (news.id.empty() || news.id == _self.id) return false;
	MembershipEvent event{MembershipEvent::Kind::Joined, news};
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		auto it = _members.find(news.id);
		if (it == _members.end())
		{
			if (_members.size() >= _maxMembers) return false;
			_byPosition.push_back(&_members.emplace(news.id, news).first->second);
		}
		else
		{
			Member& known = it->second;
			const bool newer = news.incarnation > known.incarnation ||
			                   (news.incarnation == known.incarnation && news.state > known.state);
			const bool sameRumour = news.incarnation == known.incarnation && news.state == known.state;
			if (!newer && !sameRumour) return false;
			if (news.lastSeen > known.lastSeen) known.lastSeen = news.lastSeen;
			const bool changed = newer || news.url != known.url;
			if (!changed) return false;
			known.url = news.url;
			known.state = news.state;
			known.incarnation = news.incarnation;
			event = {MembershipEvent::Kind::Changed, known};
		}
	}
	notify(event);
	return true;
}

bool Membership::remove(const std::string& id)
{
	Member gone;
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		auto it = _members.find(id);
		if (it == _members.end()) return false;
		gone = it->second;
		auto position = std::find(_byPosition.begin(), _byPosition.end(), &it->second);
		*position = _byPosition.back();
		_byPosition.pop_back();
		_members.erase(it);
	}
	notify({MembershipEvent::Kind::Left, gone});
	return true;
}

std::vector<Member> Membership::members() const
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	std::vector<Member> all;
	all.reserve(_members.size());
	for (const auto& [id, member] : _members) all.push_back(member);
	return all;
}

std::vector<Member> Membership::alive() const
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	std::vector<Member> result;
	for (const auto& [id, member] : _members)
	{
		if (member.state == MemberState::Alive) result.push_back(member);
	}
	return result;
}

bool Membership::find(const std::string& id, Member& member) const
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	auto it = _members.find(id);
	if (it == _members.end()) return false;
	member = it->second;
	return true;
}

std::array<std::size_t, 3> Membership::countByState() const
{
	std::array<std::size_t, 3> counts{0, 0, 0};
	Poco::FastMutex::ScopedLock lock(_mutex);
	for (const auto& [id, member] : _members) ++counts[static_cast<std::size_t>(member.state)];
	return counts;
}

std::vector<Member> Membership::sample(std::size_t k, std::mt19937& random,
                                       const std::function<bool(const Member&)>& eligible) const
{
	std::vector<Member> chosen;
	if (k == 0) return chosen;
	chosen.reserve(k);
	Poco::FastMutex::ScopedLock lock(_mutex);
	// Picks by position, each uniform among the eligible members not yet
	// picked: five times a second on every node of a thousand, a scan of
	// the whole view was most of what gossip cost.
	if (_byPosition.size() >= 4 * k)
	{
		std::vector<std::size_t> drawn;
		std::uniform_int_distribution<std::size_t> position(0, _byPosition.size() - 1);
		for (std::size_t tries = 0; tries < 8 * k + 16 && chosen.size() < k; ++tries)
		{
			const std::size_t at = position(random);
			if (std::find(drawn.begin(), drawn.end(), at) != drawn.end()) continue;
			drawn.push_back(at);
			if (!eligible || eligible(*_byPosition[at])) chosen.push_back(*_byPosition[at]);
		}
		if (chosen.size() == k) return chosen;
		chosen.clear(); // mostly ineligible: the scan below
	}
	std::size_t seen = 0;
	for (const auto& [id, member] : _members)
	{
		if (eligible && !eligible(member)) continue;
		++seen;
		if (chosen.size() < k)
			chosen.push_back(member);
		else
		{
			// Algorithm R: the seen-th eligible member replaces one of the k
			// with probability k / seen.
			const std::size_t slot = std::uniform_int_distribution<std::size_t>(0, seen - 1)(random);
			if (slot < k) chosen[slot] = member;
		}
	}
	std::shuffle(chosen.begin(), chosen.end(), random);
	return chosen;
}

std::size_t Membership::size() const
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	return _members.size();
}

int Membership::subscribe(Listener listener)
{
	Poco::Mutex::ScopedLock lock(_listenerMutex);
	auto listeners = std::make_shared<std::map<int, Listener>>(*_listeners);
	listeners->emplace(_nextListener, std::move(listener));
	_listeners = std::move(listeners);
	return _nextListener++;
}

void Membership::unsubscribe(int id)
{
	Poco::Mutex::ScopedLock lock(_listenerMutex);
	auto listeners = std::make_shared<std::map<int, Listener>>(*_listeners);
	listeners->erase(id);
	_listeners = std::move(listeners);
}

void Membership::notify(const MembershipEvent& event)
{
	// Under the listeners' lock (not the view's), so that unsubscribe() from
	// another thread waits for a running notification; over the listeners
	// as they were, so that a listener may (un)subscribe while it runs.
	Poco::Mutex::ScopedLock lock(_listenerMutex);
	const auto listeners = _listeners;
	for (const auto& [id, listener] : *listeners) listener(event);
}

} // namespace p2p
