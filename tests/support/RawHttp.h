#ifndef P2P_Test_RawHttp_INCLUDED
#define P2P_Test_RawHttp_INCLUDED

#include <Poco/Net/StreamSocket.h>
#include <Poco/Types.h>
#include <string>

namespace p2p::test {

/// HTTP/1.1 written and read by hand on one socket, for tests of what a
/// client library would hide: kept-alive connections, pipelining, clients
/// that trickle their bytes.

/// "GET /health" with its Host header, ready to send.
std::string healthRequest();

/// Reads one answer (head and Content-Length body) off a kept-alive
/// connection; its status, or -1 when the connection ends first.
int readAnswer(Poco::Net::StreamSocket& socket);

/// Sends request and reads its answer; the status.
int exchange(Poco::Net::StreamSocket& socket, const std::string& request);

/// Sends the first `atOnce` bytes of request to 127.0.0.1:port at once, then
/// one byte a second, until the node hangs up: the seconds that took (-1
/// when it did not within 10 s).
double secondsUntilCutOff(Poco::UInt16 port, const std::string& request, std::size_t atOnce);

} // namespace p2p::test

#endif
