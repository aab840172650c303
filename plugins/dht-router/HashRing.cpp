#include "HashRing.h"
#include <Poco/DigestEngine.h>
#include <Poco/Exception.h>
#include <Poco/SHA1Engine.h>
#include <algorithm>
#include <cmath>
#include <set>

namespace p2p::dht {

namespace {

/// The top 64 bits of a position as a fraction of the ring: plenty of
/// precision for reporting shares, and cheap.
double fractionOf(const RingPosition& position)
{
	unsigned long long high = 0;
	for (int i = 0; i < 8; ++i) high = (high << 8) | position[static_cast<std::size_t>(i)];
	return std::ldexp(static_cast<double>(high), -64);
}

} // namespace

RingPosition HashRing::hash(const std::string& text)
{
	Poco::SHA1Engine sha1;
	sha1.update(text);
	const Poco::DigestEngine::Digest& digest = sha1.digest();
	RingPosition position{};
	std::copy(digest.begin(), digest.end(), position.begin());
	return position;
}

std::string HashRing::toHex(const RingPosition& position)
{
	return Poco::DigestEngine::digestToHex(Poco::DigestEngine::Digest(position.begin(), position.end()));
}

HashRing::HashRing(const std::vector<Placement::Owner>& nodes, int vnodes): _nodes(nodes), _vnodes(vnodes)
{
	if (vnodes < 1) throw Poco::InvalidArgumentException("a hash ring needs at least one virtual node per node");
	std::set<std::string> ids;
	for (std::size_t i = 0; i < _nodes.size(); ++i)
	{
		if (!ids.insert(_nodes[i].id).second) throw Poco::InvalidArgumentException("node id " + _nodes[i].id + " is on the ring twice");
		for (int v = 0; v < vnodes; ++v)
		{
			// A collision of two 160-bit points is not expected in practice;
			// if it happens, the smaller id keeps the point, on every node alike.
			auto [it, inserted] = _points.emplace(hash(_nodes[i].id + "#" + std::to_string(v)), i);
			if (!inserted && _nodes[i].id < _nodes[it->second].id) it->second = i;
		}
	}
}

std::vector<Placement::Owner> HashRing::preferenceList(const std::string& key, std::size_t n) const
{
	std::vector<Placement::Owner> owners;
	if (_points.empty() || n == 0) return owners;
	n = std::min(n, _nodes.size());
	std::vector<bool> taken(_nodes.size(), false);
	auto it = _points.lower_bound(hash(key));
	for (std::size_t steps = 0; owners.size() < n && steps < _points.size(); ++steps, ++it)
	{
		if (it == _points.end()) it = _points.begin();
		if (taken[it->second]) continue;
		taken[it->second] = true;
		owners.push_back(_nodes[it->second]);
	}
	return owners;
}

std::map<std::string, double> HashRing::shares() const
{
	std::map<std::string, double> shares;
	for (const auto& node : _nodes) shares[node.id] = 0;
	if (_points.empty()) return shares;
	// Each point owns the arc from the previous point (exclusive) to itself.
	double previous = fractionOf(_points.rbegin()->first) - 1.0;
	for (const auto& [position, index] : _points)
	{
		const double here = fractionOf(position);
		shares[_nodes[index].id] += here - previous;
		previous = here;
	}
	return shares;
}

} // namespace p2p::dht
