#include "ByteRange.h"
#include "p2p/Errors.h"
#include <Poco/NumberParser.h>
#include <Poco/String.h>

namespace p2p::filestore {

std::optional<ByteRange> ByteRange::parse(const std::string& header, Poco::UInt64 size)
{
	const std::string value = Poco::trim(header);
	if (value.compare(0, 6, "bytes=") != 0) return std::nullopt;
	const std::string spec = Poco::trim(value.substr(6));
	if (spec.find(',') != std::string::npos) return std::nullopt;
	const auto dash = spec.find('-');
	if (dash == std::string::npos) return std::nullopt;
	const std::string from = Poco::trim(spec.substr(0, dash));
	const std::string to = Poco::trim(spec.substr(dash + 1));
	Poco::UInt64 a = 0, b = 0;
	if (from.empty())
	{
		// "bytes=-N": the last N bytes.
		if (!Poco::NumberParser::tryParseUnsigned64(to, b)) return std::nullopt;
		if (b == 0 || size == 0) throw RangeNotSatisfiableException("the range asks for no bytes of a file of " + std::to_string(size));
		return ByteRange{b >= size ? 0 : size - b, size - 1};
	}
	if (!Poco::NumberParser::tryParseUnsigned64(from, a)) return std::nullopt;
	if (!to.empty() && (!Poco::NumberParser::tryParseUnsigned64(to, b) || b < a)) return std::nullopt;
	if (a >= size)
		throw RangeNotSatisfiableException("the range starts at byte " + std::to_string(a) + " of a file of " +
		                                   std::to_string(size) + " bytes");
	return ByteRange{a, to.empty() || b >= size ? size - 1 : b};
}

} // namespace p2p::filestore
