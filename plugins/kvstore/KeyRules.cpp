#include "KeyRules.h"
#include "p2p/Errors.h"
#include <Poco/TextIterator.h>
#include <Poco/UTF8Encoding.h>

namespace p2p::kvstore {

void KeyRules::validate(const std::string& key)
{
	if (key.empty()) throw BadRequestException("field 'key' must not be empty");
	if (key.size() > kMaxKeyBytes) throw BadRequestException("key is longer than " + std::to_string(kMaxKeyBytes) + " bytes");
	// SQLite's C strings, and so POCO's reads of them, end at the first NUL.
	if (key.find('\0') != std::string::npos) throw BadRequestException("key must not contain a NUL character");
	Poco::UTF8Encoding utf8;
	Poco::TextIterator it(key, utf8);
	Poco::TextIterator end(key);
	for (; it != end; ++it)
	{
		if (*it < 0) throw BadRequestException("key is not valid UTF-8");
	}
}

} // namespace p2p::kvstore
