#include "http/HttpAcceptor.h"
#include <Poco/ErrorHandler.h>
#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <pthread.h>

namespace p2p {

HttpAcceptor::HttpAcceptor(Poco::Net::ServerSocket& socket, HttpConnections& connections):
	_socket(socket),
	_connections(connections),
	_thread("http-accept")
{
	_stopSignal = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (_stopSignal < 0) throw Poco::SystemException(std::string("cannot accept connections: ") + std::strerror(errno));
}

HttpAcceptor::~HttpAcceptor()
{
	stop();
	::close(_stopSignal);
}

void HttpAcceptor::start()
{
	_thread.start(*this);
}

void HttpAcceptor::stop()
{
	_stopped = true;
	const std::uint64_t one = 1;
	if (::write(_stopSignal, &one, sizeof(one)) < 0)
	{
		// Full counter: the thread is being woken anyway.
	}
	if (_thread.isRunning()) _thread.join();
}

void HttpAcceptor::run()
{
	pthread_setname_np(pthread_self(), "http-accept");
	// Waiting on the listening socket and on stop's signal together: no
	// tick, so an idle node's acceptor never wakes.
	pollfd watched[2] = {{_socket.impl()->sockfd(), POLLIN, 0}, {_stopSignal, POLLIN, 0}};
	while (!_stopped)
	{
		try
		{
			watched[0].revents = watched[1].revents = 0;
			if (::poll(watched, 2, -1) <= 0) continue;
			if (watched[0].revents & (POLLERR | POLLNVAL))
				throw Poco::IOException("the listening socket failed");
			if ((watched[0].revents & POLLIN) == 0) continue;
			Poco::Net::StreamSocket connection = _socket.acceptConnection();
			// An answer written in two parts must not wait for the
			// client's delayed ACK (40 ms) between them.
			connection.setNoDelay(true);
			_connections.queue(connection); // refused when full: counted, and closed as it goes
		}
		catch (const Poco::Exception& exc)
		{
			// Typically out of descriptors: log, and give the node a moment
			// to close some rather than spin.
			Poco::ErrorHandler::handle(exc);
			Poco::Thread::sleep(50);
		}
	}
}

} // namespace p2p
