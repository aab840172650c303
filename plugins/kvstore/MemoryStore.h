#ifndef P2P_KvStore_MemoryStore_INCLUDED
#define P2P_KvStore_MemoryStore_INCLUDED

#include "Store.h"
#include <Poco/Mutex.h>
#include <map>

namespace p2p::kvstore {

/// Keys in memory (kvstore.backend = memory): fast, gone with the process.
class MemoryStore: public Store
{
public:
	std::optional<Entry> get(const std::string& key) override;
	bool apply(const std::string& key, const Entry& entry) override;
	std::size_t size() override;
	std::vector<std::pair<std::string, Entry>> scan(const std::string& after, std::size_t limit) override;
	bool erase(const std::string& key, const Entry& version) override;

private:
	Poco::FastMutex _mutex;
	std::map<std::string, Entry> _entries; ///< sorted, for scan()
	std::size_t _live = 0;
};

} // namespace p2p::kvstore

#endif
