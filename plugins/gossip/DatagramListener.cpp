#include "DatagramListener.h"
#include <Poco/Exception.h>
#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <vector>
#include <pthread.h>

namespace p2p::gossip {

DatagramListener::DatagramListener(const Poco::Net::SocketAddress& address, std::size_t maxBytes, Handler handler):
	_socket(address, false),
	_maxBytes(maxBytes),
	_handler(std::move(handler))
{
	_stopSignal = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (_stopSignal < 0) throw Poco::SystemException(std::string("cannot listen for datagrams: ") + std::strerror(errno));
}

DatagramListener::~DatagramListener()
{
	stop();
	::close(_stopSignal);
}

void DatagramListener::start()
{
	_thread.startFunc([this] { run(); });
}

void DatagramListener::stop()
{
	if (_stopping.exchange(true)) return;
	const std::uint64_t one = 1;
	if (::write(_stopSignal, &one, sizeof(one)) < 0)
	{
		// Full counter: the thread is being woken anyway.
	}
	if (_thread.isRunning()) _thread.join();
	_socket.close();
}

void DatagramListener::run()
{
	pthread_setname_np(pthread_self(), "gossip-udp");
	// One byte more than the largest datagram taken: a longer one fills it
	// and is known to be too long (the rest of it is discarded by the kernel).
	std::vector<char> buffer(_maxBytes + 1);
	pollfd watched[2] = {{_socket.impl()->sockfd(), POLLIN, 0}, {_stopSignal, POLLIN, 0}};
	while (!_stopping)
	{
		watched[0].revents = watched[1].revents = 0;
		if (::poll(watched, 2, -1) <= 0 || (watched[0].revents & POLLIN) == 0) continue;
		try
		{
			Poco::Net::SocketAddress sender;
			const int n = _socket.receiveFrom(buffer.data(), static_cast<int>(buffer.size()), sender);
			if (n <= 0 || static_cast<std::size_t>(n) > _maxBytes) continue;
			++_received;
			_receivedBytes += static_cast<Poco::UInt64>(n);
			const std::string answer = _handler(std::string(buffer.data(), static_cast<std::size_t>(n)), sender);
			if (!answer.empty()) _socket.sendTo(answer.data(), static_cast<int>(answer.size()), sender);
		}
		catch (const Poco::Exception&)
		{
			// A sender that went away (ICMP unreachable on our answer) or a
			// datagram the handler refused: nothing to answer, next one.
		}
	}
}

} // namespace p2p::gossip
