#include "http/PacedBodyStream.h"
#include "http/SlowClientGuard.h"
#include <Poco/Timestamp.h>
#include <algorithm>

namespace p2p {

PacedBodyBuffer::PacedBodyBuffer(std::istream& source): _source(source)
{
}

PacedBodyBuffer::int_type PacedBodyBuffer::underflow()
{
	std::streambuf* source = _source.rdbuf();
	if (!source) return traits_type::eof();
	int_type next;
	const Poco::Timestamp started;
	{
		// Only this wait counts against the client: what the handler does
		// between reads (writing to disk, to another node) does not.
		SlowClientGuard::BodyRead waiting(_received, _waitedMicroseconds);
		next = source->sgetc();
	}
	_waitedMicroseconds += started.elapsed();
	if (traits_type::eq_int_type(next, traits_type::eof())) return traits_type::eof();
	// What the server's stream already holds, without another device read.
	const std::streamsize available =
		std::clamp<std::streamsize>(source->in_avail(), 1, static_cast<std::streamsize>(sizeof(_buffer)));
	const std::streamsize got = source->sgetn(_buffer, available);
	if (got <= 0) return traits_type::eof();
	_received += static_cast<Poco::UInt64>(got);
	setg(_buffer, _buffer, _buffer + got);
	return traits_type::to_int_type(_buffer[0]);
}

PacedBodyStream::PacedBodyStream(std::istream& source): std::istream(nullptr), _buffer(source)
{
	rdbuf(&_buffer);
}

} // namespace p2p
