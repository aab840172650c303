#include "DigestTree.h"
#include "p2p/Errors.h"

namespace p2p::kvstore {

namespace {

constexpr std::uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr std::uint64_t kFnvPrime = 1099511628211ULL;

std::uint64_t fnv1a(const std::string& text, std::uint64_t hash = kFnvOffset)
{
	for (const unsigned char c : text) hash = (hash ^ c) * kFnvPrime;
	return hash;
}

/// splitmix64's finalizer: FNV's low bits are weak, and a leaf is an XOR of
/// many hashes, so every bit must depend on every input bit.
std::uint64_t mix(std::uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

} // namespace

std::size_t DigestTree::leafOf(const std::string& key)
{
	return static_cast<std::size_t>(mix(fnv1a(key)) >> 52) % kLeaves; // the top 12 bits
}

std::uint64_t DigestTree::versionHash(const std::string& key, const Entry& entry)
{
	// The version (stamp, coordinator, tombstone), not the value: a version's
	// value never changes, and hashing megabytes per key would cost a pass
	// more than the comparison saves.
	std::uint64_t hash = fnv1a(key);
	hash = mix(hash ^ static_cast<std::uint64_t>(entry.timestamp));
	hash = fnv1a(entry.node, hash);
	return mix(hash ^ (entry.deleted ? 0x5bd1e995ULL : 0));
}

std::vector<std::uint64_t> DigestTree::tops() const
{
	std::vector<std::uint64_t> tops(kTops, 0);
	for (std::size_t leaf = 0; leaf < kLeaves; ++leaf) tops[leaf / kLeavesPerTop] ^= _leaves[leaf];
	return tops;
}

std::vector<std::uint64_t> DigestTree::leaves(std::size_t top) const
{
	const auto first = _leaves.begin() + static_cast<std::ptrdiff_t>(top * kLeavesPerTop);
	return std::vector<std::uint64_t>(first, first + static_cast<std::ptrdiff_t>(kLeavesPerTop));
}

std::string DigestTree::toHex(std::uint64_t digest)
{
	static const char* const kDigits = "0123456789abcdef";
	std::string text(16, '0');
	for (int i = 15; i >= 0; --i, digest >>= 4) text[static_cast<std::size_t>(i)] = kDigits[digest & 0xf];
	return text;
}

std::uint64_t DigestTree::fromHex(const std::string& text)
{
	if (text.size() != 16 || text.find_first_not_of("0123456789abcdef") != std::string::npos)
		throw BadRequestException("a tree digest is 16 lower-case hex digits, not '" + text.substr(0, 20) + "'");
	std::uint64_t digest = 0;
	for (const char c : text) digest = (digest << 4) | static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
	return digest;
}

} // namespace p2p::kvstore
