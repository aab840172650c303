#include "Store.h"

namespace p2p::kvstore {

Store::~Store() = default;

std::vector<bool> Store::applyAll(const std::vector<std::pair<std::string, Entry>>& entries)
{
	std::vector<bool> applied;
	applied.reserve(entries.size());
	for (const auto& [key, entry] : entries) applied.push_back(apply(key, entry));
	return applied;
}

} // namespace p2p::kvstore
