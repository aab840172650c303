#include "http/LoopHttpServer.h"
#include "http/LoopConnection.h"
#include <cerrno>
#include <future>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace p2p {

namespace {

/// Connections one wake-up accepts before the loop serves the others.
constexpr int kAcceptsPerWakeUp = 64;

/// The client's address without its port, as bytes: what a per-address
/// limit counts by.
std::string addressKey(const sockaddr_storage& address)
{
	if (address.ss_family == AF_INET6)
	{
		const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
		return std::string(reinterpret_cast<const char*>(&in6.sin6_addr), sizeof(in6.sin6_addr));
	}
	const auto& in4 = reinterpret_cast<const sockaddr_in&>(address);
	return std::string(reinterpret_cast<const char*>(&in4.sin_addr), sizeof(in4.sin_addr));
}

Poco::Net::SocketAddress addressOf(const sockaddr_storage& address, socklen_t length)
{
	return Poco::Net::SocketAddress(reinterpret_cast<const sockaddr*>(&address), static_cast<poco_socklen_t>(length));
}

} // namespace

LoopHttpServer::LoopHttpServer(Settings settings, Poco::Net::ServerSocket& socket, HttpRouter& router,
                               Poco::Net::HTTPServerParams::Ptr params):
	_settings(settings),
	_socket(socket),
	_router(router),
	_params(params),
	_workers("http", settings.minThreads, settings.maxThreads, settings.maxQueued),
	_loops(std::max<std::size_t>(settings.ioThreads, 1), "http-io"),
	_rates(settings.maxRequestsPerSecondPerAddress, settings.requestBurstPerAddress)
{
	for (std::size_t i = 0; i < _loops.size(); ++i)
	{
		_perLoop.push_back(std::make_unique<PerLoop>());
		_perLoop.back()->loop = &_loops.at(i);
	}
}

LoopHttpServer::~LoopHttpServer()
{
	join();
}

void LoopHttpServer::start()
{
	_socket.setBlocking(false);
	const int listening = _socket.impl()->sockfd();
	for (auto& here : _perLoop)
	{
		PerLoop* perLoop = here.get();
		// Every loop waits on the one listening socket; EPOLLEXCLUSIVE wakes
		// one of them per connection instead of all.
		perLoop->loop->watch(listening, EPOLLIN | EPOLLEXCLUSIVE, [this, perLoop](std::uint32_t) { accept(*perLoop); });
		perLoop->accepting = true;
	}
	_loops.start();
	_started = true;
}

void LoopHttpServer::accept(PerLoop& here)
{
	const int listening = _socket.impl()->sockfd();
	for (int i = 0; i < kAcceptsPerWakeUp && here.accepting; ++i)
	{
		sockaddr_storage peer{};
		socklen_t peerLength = sizeof(peer);
		const int fd = ::accept4(listening, reinterpret_cast<sockaddr*>(&peer), &peerLength, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
		{
			if (errno == EINTR || errno == ECONNABORTED) continue;
			return; // EAGAIN: none left; EMFILE and the like: the next wake-up tries again
		}
		// One client (an address) may hold only part of what the node
		// holds, so that a flood from one cannot shut out the others.
		const std::string key = addressKey(peer);
		// Its address's share first: a newcomer that would be refused anyway
		// must not cost another client its connection.
		const bool admitted = admitAddress(key);
		if (!admitted || (_open.load() >= _settings.maxConnections && !shedOldestWaiting(here)))
		{
			if (admitted) releaseAddress(key);
			++_refused;
			::close(fd);
			continue;
		}
		sockaddr_storage local{};
		socklen_t localLength = sizeof(local);
		::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &localLength);
		std::shared_ptr<LoopConnection> connection;
		try
		{
			connection = std::make_shared<LoopConnection>(*this, *here.loop, fd, addressOf(peer, peerLength),
			                                              addressOf(local, localLength), key);
		}
		catch (const std::exception&)
		{
			releaseAddress(key); // or the address would count a connection it never had
			::close(fd);
			continue;
		}
		++_open;
		here.connections.emplace(fd, connection);
		try
		{
			connection->start();
		}
		catch (const Poco::Exception&)
		{
			connection->stop(true);
		}
	}
}

bool LoopHttpServer::admitRequest(const std::string& address)
{
	if (_rates.take(address)) return true;
	++_rateLimited;
	return false;
}

bool LoopHttpServer::startHead(const std::string& address)
{
	if (countIn(_headsByAddress, address, _settings.maxHeadsPerAddress)) return true;
	++_rateLimited;
	return false;
}

void LoopHttpServer::endHead(const std::string& address)
{
	uncountIn(_headsByAddress, address, _settings.maxHeadsPerAddress);
}

bool LoopHttpServer::countIn(std::unordered_map<std::string, std::size_t>& counts, const std::string& address,
                             std::size_t limit)
{
	if (limit == 0) return true;
	std::lock_guard<std::mutex> lock(_addressesMutex);
	std::size_t& count = counts[address];
	if (count >= limit) return false;
	++count;
	return true;
}

void LoopHttpServer::uncountIn(std::unordered_map<std::string, std::size_t>& counts, const std::string& address,
                               std::size_t limit)
{
	if (limit == 0) return;
	std::lock_guard<std::mutex> lock(_addressesMutex);
	const auto it = counts.find(address);
	if (it != counts.end() && --it->second == 0) counts.erase(it);
}

bool LoopHttpServer::shedOldestWaiting(PerLoop& here)
{
	// A scan, but only while the node is full: a few thousand pointers
	// against the accept that waits for it.
	std::shared_ptr<LoopConnection> oldest;
	Poco::Timestamp::TimeVal since = 0;
	for (const auto& [fd, connection] : here.connections)
	{
		const auto waiting = connection->waitingSince();
		if (waiting != 0 && (!oldest || waiting < since))
		{
			oldest = connection;
			since = waiting;
		}
	}
	if (!oldest) return false;
	++_shed;
	oldest->stop(true); // closes it now, and closed() counts it out
	return true;
}

void LoopHttpServer::closed(EventLoop& loop, int fd)
{
	for (auto& here : _perLoop)
	{
		if (here->loop != &loop) continue;
		const auto found = here->connections.find(fd);
		if (found == here->connections.end()) continue;
		releaseAddress(found->second->address());
		here->connections.erase(found);
		--_open;
	}
}

bool LoopHttpServer::admitAddress(const std::string& key)
{
	return countIn(_byAddress, key, _settings.maxConnectionsPerAddress);
}

void LoopHttpServer::releaseAddress(const std::string& key)
{
	uncountIn(_byAddress, key, _settings.maxConnectionsPerAddress);
}

void LoopHttpServer::stopAccepting()
{
	// Waits for every loop to let go of the listening socket before the
	// caller closes it: a loop still watching its number could otherwise
	// take the next descriptor to get that number for it.
	const int listening = _socket.impl()->sockfd();
	std::vector<std::future<void>> done;
	for (auto& here : _perLoop)
	{
		PerLoop* perLoop = here.get();
		auto unwatched = std::make_shared<std::promise<void>>();
		done.push_back(unwatched->get_future());
		perLoop->loop->post([perLoop, listening, unwatched] {
			if (perLoop->accepting) perLoop->loop->unwatch(listening);
			perLoop->accepting = false;
			unwatched->set_value();
		});
	}
	if (!_started) return; // nothing runs the tasks: they run once the loops do, harmlessly
	for (auto& future : done) future.wait();
}

void LoopHttpServer::closeConnections(bool abort)
{
	for (auto& here : _perLoop)
	{
		PerLoop* perLoop = here.get();
		perLoop->loop->post([perLoop, abort] {
			// A copy: stopping a connection may close it, which erases it.
			std::vector<std::shared_ptr<LoopConnection>> connections;
			for (const auto& [fd, connection] : perLoop->connections) connections.push_back(connection);
			for (const auto& connection : connections) connection->stop(abort);
		});
	}
}

void LoopHttpServer::join()
{
	// Handlers first: what they still post goes to loops that still run.
	_workers.stop();
	_loops.stop();
	_started = false;
	for (auto& here : _perLoop)
	{
		// The loops have stopped: what is left closes from here.
		std::vector<std::shared_ptr<LoopConnection>> left;
		for (const auto& [fd, connection] : here->connections) left.push_back(connection);
		for (const auto& connection : left) connection->stop(true);
		here->connections.clear();
	}
}

} // namespace p2p
