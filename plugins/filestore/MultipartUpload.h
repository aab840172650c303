#ifndef P2P_FileStore_MultipartUpload_INCLUDED
#define P2P_FileStore_MultipartUpload_INCLUDED

#include <Poco/Types.h>
#include <functional>
#include <istream>
#include <string>

namespace Poco {
class CountingInputStream;
}

namespace p2p::filestore {

/// A multipart/form-data upload (POST /upload, `curl -F 'file=@name'`),
/// read as it arrives: the first part named "file" with a filename goes to
/// the receiver as a stream, every other part and the epilogue are read
/// and dropped. Guards what POCO's MultipartReader leaves open: a body that
/// ends without its closing boundary (chunked, cut short, or as long as
/// declared but without its end) is refused rather than taken for
/// complete, at most kMaxParts parts, and the bytes around the file stay
/// within the upload limit. One upload, one thread.
class MultipartUpload
{
public:
	static constexpr int kMaxParts = 64;
	/// Multipart framing and small fields around the file.
	static constexpr Poco::UInt64 kAllowance = 64 * 1024;

	/// Given the file part's filename, FileName-checked, and its content,
	/// which it reads to the end or throws.
	using Receiver = std::function<void(const std::string& filename, std::istream& content)>;

	/// Throws BadRequestException unless contentType is multipart/form-data
	/// with a boundary of 1 to 70 characters (RFC 2046).
	MultipartUpload(const std::string& contentType, Poco::UInt64 maxBytes);

	/// Reads body to its end, declaredLength bytes if known (-1 if not),
	/// and returns the file's name once its closing boundary was read.
	/// Throws BadRequestException for a malformed, truncated or fileless
	/// body, PayloadTooLargeException past the limit, and what the
	/// receiver throws.
	std::string read(std::istream& body, Poco::Int64 declaredLength, const Receiver& receiver) const;

private:
	/// Reads a part (or the epilogue) to its end, while the whole body stays
	/// within the limit.
	void discard(std::istream& part, const Poco::CountingInputStream& body) const;

	std::string _boundary;
	Poco::UInt64 _maxBytes;
};

} // namespace p2p::filestore

#endif
