#include "FailureDetector.h"
#include <algorithm>
#include <cmath>

namespace p2p::gossip {

FailureDetector::FailureDetector(Membership& view, Timeouts timeouts):
	_view(view),
	_timeouts(timeouts)
{
}

Poco::Timespan FailureDetector::timeoutFor(const Timeouts& timeouts, std::size_t accusers, std::size_t members)
{
	const std::size_t possible = members > 2 ? members - 2 : 0;
	const std::size_t wanted = std::min(timeouts.confirmations, possible);
	const auto shortest = timeouts.shortest.totalMicroseconds();
	const auto longest = std::max(shortest, timeouts.longest.totalMicroseconds());
	if (wanted == 0) return Poco::Timespan(shortest);
	const std::size_t confirmed = std::min(accusers > 0 ? accusers - 1 : 0, wanted);
	// Each confirmation counts less than the one before: with two wanted,
	// the first takes 63% of the way to the shortest (log 2 / log 3;
	// Lifeguard, equation 1).
	const double fraction = std::log(static_cast<double>(confirmed) + 1) / std::log(static_cast<double>(wanted) + 1);
	const auto timeout = static_cast<Poco::Timespan::TimeDiff>(static_cast<double>(longest) -
	                                                           static_cast<double>(longest - shortest) * fraction);
	return Poco::Timespan(std::max(shortest, timeout));
}

std::optional<Member> FailureDetector::nextTarget()
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	for (int pass = 0; pass < 2; ++pass)
	{
		while (!_order.empty())
		{
			const std::string id = _order.back();
			_order.pop_back();
			Member member;
			if (_view.find(id, member) && member.state != MemberState::Dead) return member;
		}
		for (const auto& member : _view.members())
			if (member.state != MemberState::Dead) _order.push_back(member.id);
		std::shuffle(_order.begin(), _order.end(), _random);
	}
	return std::nullopt;
}

std::vector<Member> FailureDetector::helpers(const Member& target, std::size_t k)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	return _view.sample(k, _random, [&target](const Member& member) {
		return member.state == MemberState::Alive && member.id != target.id;
	});
}

bool FailureDetector::addAccuser(Clock& clock, const std::string& accuser) const
{
	// More accusers than give the shortest timeout would change nothing.
	if (clock.accusers.size() > _timeouts.confirmations) return false;
	if (std::find(clock.accusers.begin(), clock.accusers.end(), accuser) != clock.accusers.end()) return false;
	clock.accusers.push_back(accuser);
	return true;
}

bool FailureDetector::suspect(const Member& target)
{
	Member news = target;
	news.state = MemberState::Suspect;
	news.lastSeen = Poco::Timestamp(0); // a rumour, not a sighting
	const bool changed = _view.update(news); // observe() starts the clock
	Member now;
	if (!_view.find(target.id, now) || now.state != MemberState::Suspect) return changed;
	Poco::FastMutex::ScopedLock lock(_mutex);
	auto it = _suspected.find(target.id);
	if (it == _suspected.end() || it->second.incarnation != now.incarnation) return changed;
	return addAccuser(it->second, _view.self().id) || changed;
}

bool FailureDetector::confirm(const std::string& id, Poco::UInt64 incarnation, const std::vector<std::string>& accusers)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	auto it = _suspected.find(id);
	if (it == _suspected.end() || it->second.incarnation != incarnation) return false;
	bool added = false;
	for (const auto& accuser : accusers) added = addAccuser(it->second, accuser) || added;
	return added;
}

std::vector<std::string> FailureDetector::accusersOf(const std::string& id, Poco::UInt64 incarnation)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	auto it = _suspected.find(id);
	if (it == _suspected.end() || it->second.incarnation != incarnation) return {};
	return it->second.accusers;
}

void FailureDetector::observe(const MembershipEvent& event)
{
	// Events of changes made on two threads may arrive swapped: the view
	// says what is current.
	Member member;
	const bool present = _view.find(event.member.id, member);
	Poco::FastMutex::ScopedLock lock(_mutex);
	if (present && member.state == MemberState::Suspect)
	{
		// A new suspicion, or one at a newer incarnation, starts the clock;
		// hearing the same rumour again does not restart it.
		auto it = _suspected.find(member.id);
		if (it == _suspected.end() || it->second.incarnation != member.incarnation)
			_suspected[member.id] = Clock{Poco::Timestamp(), member.incarnation, {}};
	}
	else
	{
		_suspected.erase(member.id); // refuted, dead or gone
	}
}

Poco::Timespan FailureDetector::timeoutOf(const Clock& clock) const
{
	// The nodes that could confirm: the live ones (and this one), not the dead still retained.
	const auto counts = _view.countByState();
	return timeoutFor(_timeouts, clock.accusers.size(),
	                  counts[static_cast<std::size_t>(MemberState::Alive)] + counts[static_cast<std::size_t>(MemberState::Suspect)] + 1);
}

std::vector<Member> FailureDetector::expire(const Poco::Timestamp& now)
{
	std::vector<Member> due;
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		for (auto it = _suspected.begin(); it != _suspected.end();)
		{
			if (now - it->second.since < timeoutOf(it->second).totalMicroseconds())
			{
				++it;
				continue;
			}
			Member member;
			if (_view.find(it->first, member) && member.state == MemberState::Suspect &&
			    member.incarnation == it->second.incarnation)
				due.push_back(member);
			it = _suspected.erase(it);
		}
	}
	// Outside our lock: the view's listeners call observe().
	for (auto& member : due)
	{
		member.state = MemberState::Dead;
		_view.update(member);
	}
	return due;
}

std::optional<Poco::Timestamp> FailureDetector::nextExpiry()
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	std::optional<Poco::Timestamp> first;
	for (const auto& [id, clock] : _suspected)
	{
		const Poco::Timestamp due = clock.since + timeoutOf(clock).totalMicroseconds();
		if (!first || due < *first) first = due;
	}
	return first;
}

std::size_t FailureDetector::suspects()
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	return _suspected.size();
}

std::vector<FailureDetector::Suspicion> FailureDetector::suspicions()
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	std::vector<Suspicion> all;
	for (const auto& [id, clock] : _suspected)
		all.push_back(Suspicion{id, clock.incarnation, clock.accusers, clock.since, timeoutOf(clock)});
	return all;
}

} // namespace p2p::gossip
