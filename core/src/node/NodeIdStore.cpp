#include "node/NodeIdStore.h"
#include "p2p/Errors.h"
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/Path.h>
#include <Poco/String.h>
#include <Poco/UUIDGenerator.h>
#include <algorithm>
#include <cctype>

namespace p2p {

bool NodeIdStore::isValid(const std::string& id)
{
	return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](unsigned char c) {
		return std::isalnum(c) || c == '.' || c == '_' || c == '-';
	});
}

std::string NodeIdStore::resolve(const std::string& configuredId, const std::string& dataDir)
{
	if (!configuredId.empty())
	{
		if (!isValid(configuredId))
			throw StartupException("node.id '" + configuredId + "' is invalid: use 1 to 128 letters, digits, '.', '_' or '-'");
		return configuredId;
	}
	const std::string file = Poco::Path(dataDir).makeDirectory().setFileName("node-id").toString();
	try
	{
		if (Poco::File(file).exists())
		{
			Poco::FileInputStream in(file);
			std::string id;
			std::getline(in, id);
			Poco::trimInPlace(id);
			if (!isValid(id))
				throw StartupException("the node id stored in " + file + " is invalid; delete the file to get a new one");
			return id;
		}
		Poco::File(dataDir).createDirectories();
		const std::string id = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
		// Written aside and renamed, so a crash never leaves a half-written id.
		const std::string temp = file + ".tmp";
		{
			Poco::FileOutputStream out(temp);
			out << id << '\n';
			out.close();
			if (!out) throw Poco::WriteFileException(temp);
		}
		Poco::File(temp).renameTo(file);
		return id;
	}
	catch (const StartupException&)
	{
		throw;
	}
	catch (const Poco::Exception& exc)
	{
		throw StartupException("cannot keep the node id in " + file + ": " + exc.displayText());
	}
}

} // namespace p2p
