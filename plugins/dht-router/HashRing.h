#ifndef P2P_Dht_HashRing_INCLUDED
#define P2P_Dht_HashRing_INCLUDED

#include "p2p/Placement.h"
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace p2p::dhtrouter {

/// A position on the ring: a full 160-bit SHA-1 digest, compared as a
/// big-endian number.
using RingPosition = std::array<unsigned char, 20>;

/// The ring of SHA-1 positions cut into `slots` equal arcs, each owned by
/// one node; a key belongs to the arc its SHA-1 falls in, and its
/// preference list is the owners of that arc and the arcs clockwise after
/// it, distinct nodes only. The arcs are dealt out by Maglev hashing
/// (Eisenbud et al., NSDI 2016, section 3.4): each node walks its own
/// permutation of the slots (an offset and a step from the SHA-1 of its
/// id) and the nodes take turns claiming their next free slot, so every
/// node owns floor or ceil(slots / N) arcs: a thousand nodes on 65,537
/// slots hold 65 or 66 each, a 1.015 max/mean, where 256 random virtual
/// nodes each give 1.24. The table is two bytes a slot (128 KiB), whatever
/// the size of the network; a lookup is one hash and one index.
///
/// A node that joins or leaves changes the owner of its own share of the
/// arcs and, unlike a ring of random points, of about half a percent of
/// the others (p2p-ring-balance measures it): the price of the balance.
///
/// Every node builds the same table from the same members (the turns go in
/// id order). Immutable once built, so readers share it freely; a changed
/// network builds a new one (a few milliseconds at a thousand nodes).
class HashRing
{
public:
	/// A prime (a step through a prime number of slots visits them all),
	/// large enough that 1,000 nodes own 65 arcs each.
	static constexpr std::size_t kDefaultSlots = 65537;
	/// Owners are two-byte indices.
	static constexpr std::size_t kMaxNodes = 65535;

	/// nodes: every member, this node included; ids must be distinct, and
	/// there may be at most min(slots, kMaxNodes) of them. slots must be prime.
	explicit HashRing(const std::vector<Placement::Owner>& nodes, std::size_t slots = kDefaultSlots);

	static RingPosition hash(const std::string& text);
	static std::string toHex(const RingPosition& position);
	static bool isPrime(std::size_t n);

	/// The arc a position falls in: floor(position / 2^160 * slots).
	std::size_t slotOf(const RingPosition& position) const;

	/// Up to n distinct nodes: the key's arc's owner, then clockwise.
	std::vector<Placement::Owner> preferenceList(const std::string& key, std::size_t n) const;

	/// The fraction of the key space (0..1) each node is responsible for, by id.
	std::map<std::string, double> shares() const;
	/// Arcs each node owns, by id.
	std::map<std::string, std::size_t> slotCounts() const;

	std::size_t nodeCount() const { return _nodes.size(); }
	std::size_t slots() const { return _slots; }
	const std::vector<Placement::Owner>& nodes() const { return _nodes; }
	/// Bytes the table takes (for the benchmark and /dht/ring).
	std::size_t tableBytes() const { return _table.size() * sizeof(std::uint16_t); }

private:
	std::vector<Placement::Owner> _nodes; ///< sorted by id
	std::size_t _slots;
	std::vector<std::uint16_t> _table;   ///< slot -> index into _nodes
};

} // namespace p2p::dhtrouter

#endif
