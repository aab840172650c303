#include "FileName.h"
#include "p2p/Errors.h"
#include <Poco/TextIterator.h>
#include <Poco/URI.h>
#include <Poco/UTF8Encoding.h>

namespace p2p::filestore {

void FileName::validate(const std::string& name)
{
	if (name.empty()) throw BadRequestException("file name must not be empty");
	if (name.size() > kMaxBytes) throw BadRequestException("file name is longer than " + std::to_string(kMaxBytes) + " bytes");
	if (name.find_first_not_of('.') == std::string::npos) throw BadRequestException("file name must not be only dots");
	if (name.find("..") != std::string::npos) throw BadRequestException("file name must not contain '..'");
	for (const unsigned char c : name)
	{
		if (c == '/' || c == '\\') throw BadRequestException("file name must not contain '/' or '\\'");
		if (c < 0x20 || c == 0x7f) throw BadRequestException("file name must not contain control characters");
	}
	Poco::UTF8Encoding utf8;
	Poco::TextIterator it(name, utf8);
	const Poco::TextIterator end(name);
	for (; it != end; ++it)
		if (*it < 0) throw BadRequestException("file name is not valid UTF-8");
}

std::string FileName::encoded(const std::string& name)
{
	std::string result;
	Poco::URI::encode(name, "/?#%+&= ", result);
	return result;
}

} // namespace p2p::filestore
