#include "RawHttp.h"
#include <Poco/Net/SocketAddress.h>
#include <Poco/RegularExpression.h>
#include <Poco/Stopwatch.h>
#include <vector>

namespace p2p::test {

std::string healthRequest()
{
	return "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

int readAnswer(Poco::Net::StreamSocket& socket)
{
	std::string data;
	char buffer[1];
	while (data.size() < 4 || data.compare(data.size() - 4, 4, "\r\n\r\n") != 0)
	{
		if (socket.receiveBytes(buffer, 1) != 1) return -1;
		data += buffer[0];
	}
	Poco::RegularExpression length("Content-Length: *([0-9]+)", Poco::RegularExpression::RE_CASELESS);
	std::vector<std::string> found;
	length.split(data, found);
	for (std::size_t body = found.size() == 2 ? std::stoul(found[1]) : 0; body > 0; --body)
	{
		if (socket.receiveBytes(buffer, 1) != 1) return -1;
	}
	return data.size() > 12 ? std::stoi(data.substr(9, 3)) : -1;
}

int exchange(Poco::Net::StreamSocket& socket, const std::string& request)
{
	socket.sendBytes(request.data(), static_cast<int>(request.size()));
	return readAnswer(socket);
}

double secondsUntilCutOff(Poco::UInt16 port, const std::string& request, std::size_t atOnce)
{
	Poco::Net::StreamSocket slow(Poco::Net::SocketAddress("127.0.0.1", port));
	if (atOnce > 0) slow.sendBytes(request.data(), static_cast<int>(atOnce));
	Poco::Stopwatch clock;
	clock.start();
	for (std::size_t i = atOnce; i < request.size() && clock.elapsedSeconds() < 10; ++i)
	{
		try
		{
			slow.sendBytes(&request[i], 1);
			char c;
			if (slow.poll(Poco::Timespan(1, 0), Poco::Net::Socket::SELECT_READ) && slow.receiveBytes(&c, 1) <= 0) break;
		}
		catch (const Poco::Exception&)
		{
			break; // reset by the peer
		}
	}
	const double seconds = static_cast<double>(clock.elapsed()) / 1e6;
	return clock.elapsedSeconds() < 10 ? seconds : -1;
}

} // namespace p2p::test
