// filestore's multipart parser (MultipartUpload, behind POST /upload): the
// first line of the input is the Content-Type header, the rest the body,
// declared with a Content-Length of its size. This reaches the parser's own
// guards around Poco::Net::MultipartReader: a body that ends without its
// closing boundary (where the reader would ask for parts forever), too many
// parts, bad filenames, and the upload limit (64 KiB here) for the bytes
// around the file.
// Invariants:
//  - the parse ends (a hang is reported by libFuzzer's -timeout, or the
//    CTest timeout of the replay);
//  - it refuses with BadRequestException or PayloadTooLargeException and a
//    sentence, never with anything else (which escapes: a finding);
//  - it accepts only a body with a closing boundary, and then the receiver
//    was given exactly one file, under the name returned, a valid file
//    name, and its bytes appear in the body as they were sent.
#include "FileName.h"
#include "MultipartUpload.h"
#include "p2p/Errors.h"
#include <Poco/Net/MediaType.h>
#include <cstdint>
#include <sstream>
#include <string>

namespace {

constexpr Poco::UInt64 kMaxUploadBytes = 64 * 1024;

void require(bool condition)
{
	if (!condition) __builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	const std::string input(reinterpret_cast<const char*>(data), size);
	const std::size_t newline = input.find('\n');
	if (newline == std::string::npos) return 0;
	const std::string contentType = input.substr(0, newline);
	const std::string body = input.substr(newline + 1);

	int files = 0;
	std::string received, receivedName;
	try
	{
		const p2p::filestore::MultipartUpload upload(contentType, kMaxUploadBytes);
		std::istringstream in(body);
		const std::string name =
			upload.read(in, static_cast<Poco::Int64>(body.size()), [&](const std::string& filename, std::istream& content) {
				++files;
				receivedName = filename;
				char buffer[4096];
				while (content.read(buffer, sizeof(buffer)) || content.gcount() > 0)
				{
					received.append(buffer, static_cast<std::size_t>(content.gcount()));
					if (received.size() > kMaxUploadBytes) throw p2p::PayloadTooLargeException("over the limit");
				}
			});
		require(files == 1 && name == receivedName);
		const Poco::Net::MediaType type(contentType);
		require(body.find("--" + type.getParameter("boundary") + "--") != std::string::npos);
		require(body.find(received) != std::string::npos);
	}
	catch (const p2p::BadRequestException& exc) // PayloadTooLargeException is one too
	{
		require(!exc.message().empty());
		return 0;
	}
	// Outside the handlers above, so that a name the parser let through
	// and FileName refuses escapes as a finding.
	p2p::filestore::FileName::validate(receivedName);
	return 0;
}
