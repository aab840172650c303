#ifndef P2P_FileStore_FileName_INCLUDED
#define P2P_FileStore_FileName_INCLUDED

#include <string>

namespace p2p::filestore {

/// What a stored file may be called: 1 to 255 bytes (one path component
/// on every common file system) of valid UTF-8, with no '/', '\', "..",
/// NUL or other control character, and not only dots. Names arrive
/// decoded (from the path or a multipart filename) and are checked as
/// they are: never decoded again, so "%2e%2e" is a harmless literal name
/// while an encoded "/" that the router decoded is refused.
class FileName
{
public:
	static constexpr std::size_t kMaxBytes = 255;

	/// Throws BadRequestException naming what is wrong.
	static void validate(const std::string& name);

	/// name as one segment of a URL path, for requests to other nodes.
	static std::string encoded(const std::string& name);
};

} // namespace p2p::filestore

#endif
