#include "FailureDetector.h"
#include <algorithm>

namespace p2p::gossip {

FailureDetector::FailureDetector(Membership& view, Poco::Timespan suspectTimeout):
	_view(view),
	_suspectTimeout(suspectTimeout)
{
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

bool FailureDetector::suspect(const Member& target)
{
	Member news = target;
	news.state = MemberState::Suspect;
	news.lastSeen = Poco::Timestamp(0); // a rumour, not a sighting
	return _view.update(news);
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
		if (it == _suspected.end() || it->second.second != member.incarnation)
			_suspected[member.id] = {Poco::Timestamp(), member.incarnation};
	}
	else
	{
		_suspected.erase(member.id); // refuted, dead or gone
	}
}

std::vector<Member> FailureDetector::expire(const Poco::Timestamp& now)
{
	std::vector<Member> due;
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		for (auto it = _suspected.begin(); it != _suspected.end();)
		{
			if (now - it->second.first < _suspectTimeout.totalMicroseconds())
			{
				++it;
				continue;
			}
			Member member;
			if (_view.find(it->first, member) && member.state == MemberState::Suspect &&
			    member.incarnation == it->second.second)
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
	for (const auto& [id, since] : _suspected)
	{
		const Poco::Timestamp due = since.first + _suspectTimeout.totalMicroseconds();
		if (!first || due < *first) first = due;
	}
	return first;
}

std::size_t FailureDetector::suspects()
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	return _suspected.size();
}

} // namespace p2p::gossip
