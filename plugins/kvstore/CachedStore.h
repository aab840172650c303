#ifndef P2P_KvStore_CachedStore_INCLUDED
#define P2P_KvStore_CachedStore_INCLUDED

#include "Store.h"
#include <Poco/Mutex.h>
#include <list>
#include <memory>
#include <unordered_map>

namespace p2p::kvstore {

/// A bounded, least-recently-used cache of entries in front of another
/// Store (kvstore.cache_entries). Writes go through to the backend. Entries
/// carry their versions, so the cache always keeps the newer of what it has
/// and what it learns: a read that raced with a write cannot put an older
/// version back. Thread-safe (one mutex, O(1) per operation).
class CachedStore: public Store
{
public:
	CachedStore(std::unique_ptr<Store> backend, std::size_t capacity);

	std::optional<Entry> get(const std::string& key) override;
	bool apply(const std::string& key, const Entry& entry) override;
	std::vector<bool> applyAll(const std::vector<std::pair<std::string, Entry>>& entries) override;
	std::size_t size() override;
	std::vector<std::pair<std::string, Entry>> scan(const std::string& after, std::size_t limit) override;
	bool erase(const std::string& key, const Entry& version) override;
	Poco::UInt64 corruptEntries() const override { return _backend->corruptEntries(); }

	std::size_t cached();

private:
	/// Keeps entry if it is newer than what is cached; marks key recent.
	void remember(const std::string& key, const Entry& entry);

	std::unique_ptr<Store> _backend;
	const std::size_t _capacity;
	Poco::FastMutex _mutex;
	std::list<std::string> _recent; ///< most recent first
	struct Slot
	{
		Entry entry;
		std::list<std::string>::iterator position;
	};
	std::unordered_map<std::string, Slot> _slots;
};

} // namespace p2p::kvstore

#endif
