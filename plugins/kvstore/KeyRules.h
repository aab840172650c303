#ifndef P2P_KvStore_KeyRules_INCLUDED
#define P2P_KvStore_KeyRules_INCLUDED

#include <cstddef>
#include <string>

namespace p2p::kvstore {

/// What a key may be: 1..1024 bytes of valid UTF-8 without NUL.
class KeyRules
{
public:
	static constexpr std::size_t kMaxKeyBytes = 1024;

	/// Throws BadRequestException naming what is wrong.
	static void validate(const std::string& key);
};

} // namespace p2p::kvstore

#endif
