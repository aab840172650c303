#include "HttpAcceptor.h"
#include <Poco/ErrorHandler.h>

namespace p2p {

HttpAcceptor::HttpAcceptor(Poco::Net::ServerSocket& socket, HttpConnections& connections):
	_socket(socket),
	_connections(connections),
	_thread("http-accept")
{
}

HttpAcceptor::~HttpAcceptor()
{
	stop();
}

void HttpAcceptor::start()
{
	_thread.start(*this);
}

void HttpAcceptor::stop()
{
	_stopped = true;
	if (_thread.isRunning()) _thread.join();
}

void HttpAcceptor::run()
{
	// Polling with a timeout rather than blocking in accept(), so stop()
	// needs nothing but the flag.
	const Poco::Timespan tick(0, 250 * 1000);
	while (!_stopped)
	{
		try
		{
			if (!_socket.poll(tick, Poco::Net::Socket::SELECT_READ)) continue;
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
