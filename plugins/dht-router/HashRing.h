#ifndef P2P_Dht_HashRing_INCLUDED
#define P2P_Dht_HashRing_INCLUDED

#include "p2p/Placement.h"
#include <array>
#include <map>
#include <string>
#include <vector>

namespace p2p::dht {

/// A position on the ring: a full 160-bit SHA-1 digest, compared as a
/// big-endian number.
using RingPosition = std::array<unsigned char, 20>;

/// Consistent hashing over SHA-1 with virtual nodes (Karger et al. 1997;
/// the vnode scheme as in Dynamo, DeCandia et al. 2007, section 4.2): each
/// node owns `vnodes` points, at SHA-1("<id>#<i>"), and a key belongs to the
/// first point at or after SHA-1(key), wrapping around. Immutable once
/// built, so readers share it freely; a changed network builds a new ring.
class HashRing
{
public:
	/// nodes: every member, this node included; ids must be distinct.
	HashRing(const std::vector<Placement::Owner>& nodes, int vnodes);

	static RingPosition hash(const std::string& text);
	static std::string toHex(const RingPosition& position);

	/// Up to n distinct nodes, clockwise from the key's position.
	std::vector<Placement::Owner> preferenceList(const std::string& key, std::size_t n) const;

	/// The fraction of the key space (0..1) each node is responsible for, by id.
	std::map<std::string, double> shares() const;

	std::size_t nodeCount() const { return _nodes.size(); }
	int vnodes() const { return _vnodes; }
	const std::vector<Placement::Owner>& nodes() const { return _nodes; }

private:
	std::vector<Placement::Owner> _nodes;
	int _vnodes;
	std::map<RingPosition, std::size_t> _points; ///< position -> index into _nodes
};

} // namespace p2p::dht

#endif
