#include "security/PeerStamps.h"
#include <Poco/Exception.h>
#include <Poco/String.h>
#include <Poco/URI.h>
#include <cstdio>
#include <random>

namespace p2p {

namespace {

/// splitmix64: distinct, well spread stream ids from one random seed.
std::uint64_t spread(std::uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

} // namespace

PeerStamps::PeerStamps()
{
	std::random_device random;
	_streamSeed = (static_cast<std::uint64_t>(random()) << 32) ^ random();
}

std::string PeerStamps::keyOf(const std::string& host, Poco::UInt16 port)
{
	return Poco::toLower(host) + ":" + std::to_string(port);
}

std::string PeerStamps::addressOf(const std::string& url)
{
	try
	{
		const Poco::URI uri(url);
		return keyOf(uri.getHost(), uri.getPort());
	}
	catch (const Poco::SyntaxException&)
	{
		return "";
	}
}

PeerStamps::Destination& PeerStamps::destination(const std::string& address)
{
	Destination& found = _byAddress[address];
	if (found.stream.empty())
	{
		char id[17];
		std::snprintf(id, sizeof(id), "%016llx", static_cast<unsigned long long>(spread(_streamSeed + _streams++)));
		found.stream = id;
	}
	return found;
}

void PeerStamps::learn(const std::string& url, const std::string& id)
{
	const std::string address = addressOf(url);
	if (address.empty()) return;
	std::lock_guard<std::mutex> lock(_mutex);
	destination(address).to = id;
}

void PeerStamps::forget(const std::string& url, const std::string& id)
{
	const std::string address = addressOf(url);
	std::lock_guard<std::mutex> lock(_mutex);
	const auto found = _byAddress.find(address);
	// Its numbers go on: the receiver may still be there.
	if (found != _byAddress.end() && found->second.to == id) found->second.to.clear();
}

SignedFor PeerStamps::next(const std::string& host, Poco::UInt16 port)
{
	const std::string address = keyOf(host, port);
	std::lock_guard<std::mutex> lock(_mutex);
	Destination& to = destination(address);
	return SignedFor{to.to, to.stream + "." + std::to_string(++to.counter)};
}

} // namespace p2p
