#ifndef P2P_Secrets_INCLUDED
#define P2P_Secrets_INCLUDED

#include "p2p/Export.h"

#include <Poco/Util/AbstractConfiguration.h>
#include <string>

namespace p2p {
namespace secrets {

/// True when a and b are equal, in time that depends on their lengths only,
/// so a forger cannot learn a secret byte by byte from how fast it is refused.
P2P_API bool equalInConstantTime(const std::string& a, const std::string& b);

/// SHA-256 of data: 32 raw bytes.
P2P_API std::string sha256(const std::string& data);

/// HMAC-SHA256 of text under key: 32 raw bytes.
P2P_API std::string hmacSha256(const std::string& key, const std::string& text);

/// Lowercase hex of raw bytes.
P2P_API std::string hex(const std::string& bytes);

/// The secret under `key`, or read from the file named under `key`_file
/// (trailing white space dropped, so `echo secret > file` works). Both set
/// is a StartupException, and so is a file that cannot be read, an empty
/// one, one that other users may read, or a symbolic link; and a secret
/// shorter than minLength characters. Empty when neither is set.
P2P_API std::string read(const Poco::Util::AbstractConfiguration& config, const std::string& key, std::size_t minLength);

} // namespace secrets
} // namespace p2p

#endif
