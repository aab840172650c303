#include "RecentIds.h"

namespace p2p::gossip {

RecentIds::RecentIds(std::size_t capacity): _capacity(capacity)
{
}

bool RecentIds::firstSight(const std::string& id)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	if (!_ids.insert(id).second) return false;
	_order.push_back(id);
	if (_order.size() > _capacity)
	{
		_ids.erase(_order.front());
		_order.pop_front();
	}
	return true;
}

std::size_t RecentIds::size()
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	return _ids.size();
}

} // namespace p2p::gossip
