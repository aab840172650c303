#ifndef P2P_FileStore_ByteRange_INCLUDED
#define P2P_FileStore_ByteRange_INCLUDED

#include <Poco/Types.h>
#include <optional>
#include <string>

namespace p2p::filestore {

/// One range of bytes of a file (RFC 9110 section 14.1.2): first and last
/// byte, both included.
struct ByteRange
{
	Poco::UInt64 first = 0;
	Poco::UInt64 last = 0;

	Poco::UInt64 length() const { return last - first + 1; }

	/// The range a Range header asks of a file of size bytes. Empty when
	/// the whole file is to be sent: no header, another unit, several
	/// ranges (allowed to be ignored), or one that does not parse. Throws
	/// RangeNotSatisfiableException (416) for a range that starts beyond
	/// the end, or any range of an empty file.
	static std::optional<ByteRange> parse(const std::string& header, Poco::UInt64 size);
};

} // namespace p2p::filestore

#endif
