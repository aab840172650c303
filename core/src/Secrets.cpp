#include "Secrets.h"
#include "p2p/Errors.h"
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/String.h>
#include <sys/stat.h>

namespace p2p {
namespace secrets {

bool equalInConstantTime(const std::string& a, const std::string& b)
{
	if (a.size() != b.size()) return false;
	unsigned char difference = 0;
	for (std::size_t i = 0; i < a.size(); ++i) difference |= static_cast<unsigned char>(a[i] ^ b[i]);
	return difference == 0;
}

std::string read(const Poco::Util::AbstractConfiguration& config, const std::string& key)
{
	const std::string fileKey = key + "_file";
	const std::string inline_ = config.getString(key, "");
	const std::string path = config.getString(fileKey, "");
	if (!inline_.empty() && !path.empty())
		throw StartupException("set " + key + " or " + fileKey + ", not both");
	if (path.empty()) return inline_;

	struct stat info{};
	if (::stat(path.c_str(), &info) != 0)
		throw StartupException(fileKey + " names '" + path + "', which cannot be read");
	// Like ssh with its keys: a secret other users can read is no secret.
	if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		throw StartupException(fileKey + " '" + path + "' may be read by other users; chmod 600 it");
	std::string secret;
	try
	{
		Poco::FileInputStream in(path);
		std::getline(in, secret, '\0');
	}
	catch (const Poco::Exception& exc)
	{
		throw StartupException(fileKey + " '" + path + "' cannot be read: " + exc.displayText());
	}
	Poco::trimRightInPlace(secret);
	if (secret.empty()) throw StartupException(fileKey + " '" + path + "' is empty");
	return secret;
}

} // namespace secrets
} // namespace p2p
