#include "security/Secrets.h"
#include "p2p/Errors.h"
#include <Poco/SHA2Engine.h>
#include <Poco/HMACEngine.h>
#include <Poco/String.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace p2p {
namespace secrets {

namespace {

/// POCO's HMACEngine wants an engine that states its block and digest
/// sizes; SHA2Engine does not say them. Foundation's SHA-256 rather than
/// Crypto's: through OpenSSL 3's EVP each digest fetches its algorithm
/// anew, and a signature took 24 us against 1.8 us here, a cost every
/// node-to-node request pays twice.
class Sha256: public Poco::SHA2Engine
{
public:
	enum
	{
		BLOCK_SIZE = 64,
		DIGEST_SIZE = 32
	};

	Sha256(): Poco::SHA2Engine(Poco::SHA2Engine::SHA_256) {}
};

std::string bytesOf(const Poco::DigestEngine::Digest& digest)
{
	return std::string(digest.begin(), digest.end());
}

/// The whole file behind descriptor fd.
std::string readAll(int fd)
{
	std::string content;
	char buffer[4096];
	for (;;)
	{
		const ssize_t got = ::read(fd, buffer, sizeof(buffer));
		if (got < 0 && errno == EINTR) continue;
		if (got < 0) throw Poco::IOException(std::strerror(errno));
		if (got == 0) return content;
		content.append(buffer, static_cast<std::size_t>(got));
		if (content.size() > 64 * 1024) throw Poco::IOException("larger than 64 KiB; not a secret");
	}
}

} // namespace

std::string sha256(const std::string& data)
{
	Sha256 engine;
	engine.update(data);
	return bytesOf(engine.digest());
}

std::string hmacSha256(const std::string& key, const std::string& text)
{
	Poco::HMACEngine<Sha256> hmac(key);
	hmac.update(text);
	return bytesOf(hmac.digest());
}

std::string hex(const std::string& bytes)
{
	static const char digits[] = "0123456789abcdef";
	std::string text;
	text.reserve(2 * bytes.size());
	for (unsigned char b : bytes)
	{
		text += digits[b >> 4];
		text += digits[b & 0xf];
	}
	return text;
}

bool equalInConstantTime(const std::string& a, const std::string& b)
{
	if (a.size() != b.size()) return false;
	unsigned char difference = 0;
	for (std::size_t i = 0; i < a.size(); ++i) difference |= static_cast<unsigned char>(a[i] ^ b[i]);
	return difference == 0;
}

std::string read(const Poco::Util::AbstractConfiguration& config, const std::string& key, std::size_t minLength)
{
	const std::string fileKey = key + "_file";
	std::string secret = config.getString(key, "");
	const std::string path = config.getString(fileKey, "");
	if (!secret.empty() && !path.empty()) throw StartupException("set " + key + " or " + fileKey + ", not both");
	if (!path.empty())
	{
		// Opened once and checked through the descriptor, so what is checked
		// is what is read; never through a link someone could point elsewhere.
		// O_NONBLOCK: a FIFO in its place must not hang start-up (fstat
		// refuses it next).
		const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			throw StartupException(fileKey + " names '" + path + "', which cannot be opened: " + std::strerror(errno));
		try
		{
			struct stat info{};
			if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode))
				throw StartupException(fileKey + " '" + path + "' is not a regular file");
			// Like ssh with its keys: a secret other users can read is no secret.
			if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0)
				throw StartupException(fileKey + " '" + path + "' may be read by other users; chmod 600 it");
			secret = readAll(fd);
		}
		catch (const Poco::IOException& exc)
		{
			::close(fd);
			throw StartupException(fileKey + " '" + path + "' cannot be read: " + exc.message());
		}
		catch (...)
		{
			::close(fd);
			throw;
		}
		::close(fd);
		Poco::trimRightInPlace(secret);
		if (secret.empty()) throw StartupException(fileKey + " '" + path + "' is empty");
	}
	if (!secret.empty() && secret.size() < minLength)
		throw StartupException(key + " must be at least " + std::to_string(minLength) +
		                       " characters (e.g. openssl rand -hex 32)");
	return secret;
}

} // namespace secrets
} // namespace p2p
