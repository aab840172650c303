#include "HashRing.h"
#include <Poco/DigestEngine.h>
#include <Poco/Exception.h>
#include <Poco/SHA1Engine.h>
#include <algorithm>

namespace p2p::dhtrouter {

namespace {

std::uint64_t word(const RingPosition& position, std::size_t at)
{
	std::uint64_t value = 0;
	for (std::size_t i = at; i < at + 8; ++i) value = (value << 8) | position[i];
	return value;
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

bool HashRing::isPrime(std::size_t n)
{
	if (n < 2) return false;
	for (std::size_t d = 2; d * d <= n; ++d)
		if (n % d == 0) return false;
	return true;
}

HashRing::HashRing(const std::vector<Placement::Owner>& nodes, std::size_t slots): _nodes(nodes), _slots(slots)
{
	if (!isPrime(slots)) throw Poco::InvalidArgumentException("a ring needs a prime number of slots, not " + std::to_string(slots));
	if (_nodes.size() > std::min(slots, kMaxNodes))
		throw Poco::InvalidArgumentException("a ring of " + std::to_string(slots) + " slots holds at most " +
		                                     std::to_string(std::min(slots, kMaxNodes)) + " nodes, not " +
		                                     std::to_string(_nodes.size()));
	// The same turns on every node, whatever order the view lists members in.
	std::sort(_nodes.begin(), _nodes.end(), [](const Placement::Owner& a, const Placement::Owner& b) { return a.id < b.id; });
	for (std::size_t i = 1; i < _nodes.size(); ++i)
		if (_nodes[i].id == _nodes[i - 1].id) throw Poco::InvalidArgumentException("node id " + _nodes[i].id + " is on the ring twice");
	if (_nodes.empty()) return;

	// Each node's permutation of the slots: offset, offset + skip, ... (mod
	// slots), from two independent halves of SHA-1(id).
	const std::size_t count = _nodes.size();
	std::vector<std::uint64_t> position(count), skip(count);
	for (std::size_t i = 0; i < count; ++i)
	{
		const RingPosition h = hash(_nodes[i].id);
		position[i] = word(h, 0) % slots;
		skip[i] = word(h, 8) % (slots - 1) + 1;
	}
	constexpr std::uint16_t kFree = 0xffff;
	_table.assign(slots, kFree);
	std::size_t filled = 0;
	while (true)
	{
		for (std::size_t i = 0; i < count; ++i)
		{
			// This node's next preferred slot that is still free.
			while (_table[position[i]] != kFree) position[i] = (position[i] + skip[i]) % slots;
			_table[position[i]] = static_cast<std::uint16_t>(i);
			position[i] = (position[i] + skip[i]) % slots;
			if (++filled == slots) return;
		}
	}
}

std::size_t HashRing::slotOf(const RingPosition& position) const
{
	// The top 64 bits place a key to within 2^-64 of the ring, far finer
	// than any arc: slot = floor(top64 * slots / 2^64).
	return static_cast<std::size_t>((static_cast<unsigned __int128>(word(position, 0)) * _slots) >> 64);
}

std::vector<Placement::Owner> HashRing::preferenceList(const std::string& key, std::size_t n) const
{
	std::vector<Placement::Owner> owners;
	if (_nodes.empty() || n == 0) return owners;
	n = std::min(n, _nodes.size());
	std::vector<std::uint16_t> taken;
	taken.reserve(n);
	const std::size_t start = slotOf(hash(key));
	for (std::size_t step = 0; taken.size() < n && step < _slots; ++step)
	{
		const std::uint16_t owner = _table[(start + step) % _slots];
		if (std::find(taken.begin(), taken.end(), owner) != taken.end()) continue;
		taken.push_back(owner);
		owners.push_back(_nodes[owner]);
	}
	return owners;
}

std::map<std::string, std::size_t> HashRing::slotCounts() const
{
	std::vector<std::size_t> counts(_nodes.size(), 0);
	for (const std::uint16_t owner : _table) ++counts[owner];
	std::map<std::string, std::size_t> byId;
	for (std::size_t i = 0; i < _nodes.size(); ++i) byId[_nodes[i].id] = counts[i];
	return byId;
}

std::map<std::string, double> HashRing::shares() const
{
	std::map<std::string, double> shares;
	for (const auto& [id, count] : slotCounts()) shares[id] = static_cast<double>(count) / static_cast<double>(_slots);
	return shares;
}

} // namespace p2p::dhtrouter
