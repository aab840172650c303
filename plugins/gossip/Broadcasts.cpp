#include "Broadcasts.h"
#include <algorithm>
#include <cmath>

namespace p2p::gossip {

Broadcasts::Broadcasts(std::size_t multiplier): _multiplier(std::max<std::size_t>(1, multiplier))
{
}

std::size_t Broadcasts::limit(std::size_t networkSize) const
{
	const auto digits = static_cast<std::size_t>(std::ceil(std::log10(static_cast<double>(networkSize) + 1.0)));
	return _multiplier * std::max<std::size_t>(1, digits);
}

void Broadcasts::changed(const std::string& id)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	_entries[id] = Entry{0, ++_sequence};
}

std::vector<std::string> Broadcasts::take(std::size_t max, std::size_t networkSize,
                                         const std::function<bool(const std::string&)>& fits)
{
	const std::size_t most = limit(networkSize);
	Poco::FastMutex::ScopedLock lock(_mutex);
	std::vector<std::pair<const std::string*, Entry*>> order;
	order.reserve(_entries.size());
	for (auto& [id, entry] : _entries) order.emplace_back(&id, &entry);
	std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
		return a.second->sends != b.second->sends ? a.second->sends < b.second->sends : a.second->queued > b.second->queued;
	});
	std::vector<std::string> chosen;
	for (std::size_t i = 0; i < order.size() && chosen.size() < max; ++i)
		if (!fits || fits(*order[i].first)) chosen.push_back(*order[i].first);
	for (const auto& id : chosen)
	{
		auto it = _entries.find(id);
		if (++it->second.sends >= most) _entries.erase(it);
	}
	return chosen;
}

std::size_t Broadcasts::pending() const
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	return _entries.size();
}

} // namespace p2p::gossip
