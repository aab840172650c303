#include "MemoryStore.h"

namespace p2p::kvstore {

std::optional<Entry> MemoryStore::get(const std::string& key)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	auto it = _entries.find(key);
	if (it == _entries.end()) return std::nullopt;
	return it->second;
}

bool MemoryStore::apply(const std::string& key, const Entry& entry)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	auto [it, inserted] = _entries.try_emplace(key, entry);
	if (inserted)
	{
		if (!entry.deleted) ++_live;
		return true;
	}
	if (!entry.newerThan(it->second)) return false;
	if (it->second.deleted != entry.deleted) entry.deleted ? --_live : ++_live;
	it->second = entry;
	return true;
}

std::size_t MemoryStore::size()
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	return _live;
}

std::vector<std::pair<std::string, Entry>> MemoryStore::scan(const std::string& after, std::size_t limit)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	std::vector<std::pair<std::string, Entry>> page;
	for (auto it = _entries.upper_bound(after); it != _entries.end() && page.size() < limit; ++it) page.push_back(*it);
	return page;
}

bool MemoryStore::erase(const std::string& key, const Entry& version)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	auto it = _entries.find(key);
	if (it == _entries.end() || !it->second.sameVersion(version)) return false;
	if (!it->second.deleted) --_live;
	_entries.erase(it);
	return true;
}

} // namespace p2p::kvstore
