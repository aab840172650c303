#include "ClusterState.h"
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/Path.h>
#include <sstream>

namespace p2p::cluster {

ClusterState::ClusterState(std::string dir): _dir(std::move(dir))
{
}

std::string ClusterState::file() const
{
	return Poco::Path(_dir).makeDirectory().setFileName("cluster.state").toString();
}

bool ClusterState::exists() const
{
	return Poco::File(file()).exists();
}

std::vector<NodeRecord> ClusterState::read() const
{
	std::vector<NodeRecord> nodes;
	if (!exists()) return nodes;
	Poco::FileInputStream in(file());
	std::string line;
	while (std::getline(in, line))
	{
		std::istringstream fields(line);
		NodeRecord node;
		if (fields >> node.name >> node.pid >> node.port >> node.url >> node.log) nodes.push_back(node);
	}
	return nodes;
}

void ClusterState::append(const NodeRecord& node) const
{
	Poco::FileOutputStream out(file(), std::ios::out | std::ios::app);
	out << node.name << ' ' << node.pid << ' ' << node.port << ' ' << node.url << ' ' << node.log << '\n';
	out.close();
	if (!out) throw Poco::WriteFileException(file());
}

void ClusterState::remove() const
{
	if (exists()) Poco::File(file()).remove();
}

} // namespace p2p::cluster
