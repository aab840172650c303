#ifndef P2P_PacedBodyStream_INCLUDED
#define P2P_PacedBodyStream_INCLUDED

#include "p2p/Export.h"

#include <Poco/Types.h>
#include <istream>
#include <streambuf>

namespace p2p {

/// A request body as handlers read it: the server's body stream, with each
/// wait for more bytes reported to the slow-client guard (a BodyRead), so
/// a client that sends its body too slowly is cut off. Reads one device
/// chunk at a time, as the server's stream delivers it. Used on the
/// connection's thread only.
class P2P_API PacedBodyBuffer: public std::streambuf
{
public:
	explicit PacedBodyBuffer(std::istream& source);

protected:
	int_type underflow() override;

private:
	std::istream& _source;
	Poco::UInt64 _received = 0;
	Poco::Int64 _waitedMicroseconds = 0;
	char _buffer[8 * 1024];
};

class P2P_API PacedBodyStream: public std::istream
{
public:
	explicit PacedBodyStream(std::istream& source);

private:
	PacedBodyBuffer _buffer;
};

} // namespace p2p

#endif
