#include "Registry.h"
#include "p2p/Errors.h"
#include "p2p/NodeUrl.h"
#include <algorithm>
#include <cctype>

namespace p2p::bootstrap {

namespace {

constexpr std::size_t kMaxIdBytes = 128;

} // namespace

Registry::Registry(Poco::Timespan lease, std::size_t maxNodes): _lease(lease), _maxNodes(maxNodes)
{
}

void Registry::validateId(const std::string& id)
{
	if (id.empty()) throw BadRequestException("field 'id' must not be empty");
	if (id.size() > kMaxIdBytes)
		throw BadRequestException("field 'id' is longer than " + std::to_string(kMaxIdBytes) + " bytes");
	const bool clean = std::all_of(id.begin(), id.end(), [](unsigned char c) {
		return std::isalnum(c) || c == '.' || c == '_' || c == '-';
	});
	if (!clean) throw BadRequestException("field 'id' may only hold letters, digits, '.', '_' and '-'");
}

void Registry::validateAddress(const std::string& address)
{
	if (!isNodeUrl(address))
		throw BadRequestException("field 'address' must be an http(s)://host:port URL, not '" +
		                          address.substr(0, std::min<std::size_t>(address.size(), 200)) + "'");
}

bool Registry::expired(const Registration& registration, const Poco::Timestamp& now) const
{
	return now - registration.lastSeen > _lease.totalMicroseconds();
}

std::size_t Registry::add(const std::string& id, const std::string& address, Poco::Timestamp now)
{
	validateId(id);
	validateAddress(address);
	Poco::FastMutex::ScopedLock lock(_mutex);
	auto it = _nodes.find(id);
	if (it == _nodes.end())
	{
		if (_nodes.size() >= _maxNodes)
		{
			// Make room from expired entries before refusing anyone.
			for (auto e = _nodes.begin(); e != _nodes.end();) e = expired(e->second, now) ? _nodes.erase(e) : std::next(e);
			++_generation;
			if (_nodes.size() >= _maxNodes)
				throw ServiceUnavailableException("the registry is full (bootstrap.max_nodes = " + std::to_string(_maxNodes) + ")");
		}
		_nodes.emplace(id, Registration{id, address, now, now});
		++_generation;
	}
	else
	{
		if (expired(it->second, now) || it->second.address != address) ++_generation;
		it->second.address = address;
		it->second.lastSeen = now;
	}
	return _nodes.size();
}

bool Registry::remove(const std::string& id)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	if (_nodes.erase(id) == 0) return false;
	++_generation;
	return true;
}

Poco::UInt64 Registry::generation() const
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	return _generation;
}

std::vector<std::string> Registry::expire(Poco::Timestamp now)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	std::vector<std::string> gone;
	for (auto it = _nodes.begin(); it != _nodes.end();)
	{
		if (expired(it->second, now))
		{
			gone.push_back(it->first);
			it = _nodes.erase(it);
			++_generation;
		}
		else
		{
			++it;
		}
	}
	return gone;
}

std::vector<Registration> Registry::live(Poco::Timestamp now, Poco::UInt64* generation) const
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	if (generation) *generation = _generation;
	std::vector<Registration> result;
	result.reserve(_nodes.size());
	for (const auto& [id, registration] : _nodes)
	{
		if (!expired(registration, now)) result.push_back(registration);
	}
	return result;
}

} // namespace p2p::bootstrap
