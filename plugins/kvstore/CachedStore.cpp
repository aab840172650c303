#include "CachedStore.h"

namespace p2p::kvstore {

CachedStore::CachedStore(std::unique_ptr<Store> backend, std::size_t capacity):
	_backend(std::move(backend)),
	_capacity(capacity)
{
}

void CachedStore::remember(const std::string& key, const Entry& entry)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	auto it = _slots.find(key);
	if (it != _slots.end())
	{
		if (entry.newerThan(it->second.entry)) it->second.entry = entry;
		_recent.splice(_recent.begin(), _recent, it->second.position);
		return;
	}
	if (_capacity == 0) return;
	if (_slots.size() >= _capacity)
	{
		_slots.erase(_recent.back());
		_recent.pop_back();
	}
	_recent.push_front(key);
	_slots.emplace(key, Slot{entry, _recent.begin()});
}

std::optional<Entry> CachedStore::get(const std::string& key)
{
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		auto it = _slots.find(key);
		if (it != _slots.end())
		{
			_recent.splice(_recent.begin(), _recent, it->second.position);
			return it->second.entry;
		}
	}
	auto entry = _backend->get(key);
	if (entry) remember(key, *entry);
	return entry;
}

bool CachedStore::apply(const std::string& key, const Entry& entry)
{
	const bool applied = _backend->apply(key, entry);
	if (applied) remember(key, entry);
	return applied;
}

std::vector<bool> CachedStore::applyAll(const std::vector<std::pair<std::string, Entry>>& entries)
{
	auto applied = _backend->applyAll(entries);
	for (std::size_t i = 0; i < entries.size(); ++i)
		if (applied[i]) remember(entries[i].first, entries[i].second);
	return applied;
}

std::size_t CachedStore::size()
{
	return _backend->size();
}

std::vector<std::pair<std::string, Entry>> CachedStore::scan(const std::string& after, std::size_t limit)
{
	return _backend->scan(after, limit);
}

bool CachedStore::erase(const std::string& key, const Entry& version)
{
	const bool erased = _backend->erase(key, version);
	// A get() racing with this may cache the erased version again; that is
	// an old version, which last-writer-wins merges away wherever it is read.
	Poco::FastMutex::ScopedLock lock(_mutex);
	auto it = _slots.find(key);
	if (it != _slots.end() && it->second.entry.sameVersion(version))
	{
		_recent.erase(it->second.position);
		_slots.erase(it);
	}
	return erased;
}

std::size_t CachedStore::cached()
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	return _slots.size();
}

} // namespace p2p::kvstore
