#include "Rumors.h"
#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace p2p::gossip {

Rumors::Rumors(std::size_t multiplier): _multiplier(multiplier)
{
}

void Rumors::changed(const std::string& id, std::size_t networkSize)
{
	const auto rounds = static_cast<std::size_t>(std::ceil(std::log2(static_cast<double>(networkSize) + 1.0)));
	Poco::FastMutex::ScopedLock lock(_mutex);
	_left[id] = _multiplier * std::max<std::size_t>(1, rounds);
}

std::vector<Member> Rumors::select(const std::vector<Member>& view, std::size_t max)
{
	std::unordered_map<std::string, const Member*> byId;
	for (const auto& member : view) byId.emplace(member.id, &member);

	std::vector<Member> chosen;
	Poco::FastMutex::ScopedLock lock(_mutex);
	std::vector<std::pair<std::size_t, std::string>> hot;
	for (auto it = _left.begin(); it != _left.end();)
	{
		if (!byId.count(it->first)) // removed from the view meanwhile
		{
			it = _left.erase(it);
			continue;
		}
		hot.emplace_back(it->second, it->first);
		++it;
	}
	std::sort(hot.begin(), hot.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
	for (const auto& [left, id] : hot)
	{
		if (chosen.size() >= max) break;
		chosen.push_back(*byId[id]);
		byId.erase(id);
		if (--_left[id] == 0) _left.erase(id);
	}
	if (chosen.size() < max && !byId.empty())
	{
		std::vector<const Member*> rest;
		rest.reserve(byId.size());
		for (const auto& [id, member] : byId) rest.push_back(member);
		std::shuffle(rest.begin(), rest.end(), _random);
		for (std::size_t i = 0; i < rest.size() && chosen.size() < max; ++i) chosen.push_back(*rest[i]);
	}
	return chosen;
}

std::size_t Rumors::pending()
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	return _left.size();
}

} // namespace p2p::gossip
