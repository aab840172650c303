#ifndef P2P_KvStore_DigestTree_INCLUDED
#define P2P_KvStore_DigestTree_INCLUDED

#include "Store.h"
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace p2p::kvstore {

/// A two-level Merkle tree of the versions of a set of keys, as the
/// anti-entropy of Dynamo, Cassandra and Riak compares replicas: each key
/// falls into one of kLeaves leaves by the hash of its name, a leaf is the
/// XOR of its keys' version hashes (so it needs no order and is updated in
/// O(1)), and each of the kTops tops the XOR of its kLeavesPerTop leaves.
/// Two replicas that agree compare kTops numbers and are done; one that
/// differs in a few keys compares the leaves under the tops that differ,
/// then the versions of the keys in the leaves that differ: the bytes grow
/// with the differences, not with the data. Not thread-safe; a value.
class DigestTree
{
public:
	static constexpr std::size_t kTops = 64;
	static constexpr std::size_t kLeavesPerTop = 64;
	static constexpr std::size_t kLeaves = kTops * kLeavesPerTop;

	/// The leaf a key falls into (by its name only: every version of it).
	static std::size_t leafOf(const std::string& key);
	/// What one version of a key adds to its leaf (same on every node).
	static std::uint64_t versionHash(const std::string& key, const Entry& entry);

	void add(const std::string& key, const Entry& entry) { _leaves[leafOf(key)] ^= versionHash(key, entry); }

	std::vector<std::uint64_t> tops() const;
	/// The kLeavesPerTop leaves under one top.
	std::vector<std::uint64_t> leaves(std::size_t top) const;

	/// Tree numbers as text between nodes: 16 lower-case hex digits; throws
	/// BadRequestException for anything else.
	static std::string toHex(std::uint64_t digest);
	static std::uint64_t fromHex(const std::string& text);

private:
	std::array<std::uint64_t, kLeaves> _leaves{};
};

} // namespace p2p::kvstore

#endif
