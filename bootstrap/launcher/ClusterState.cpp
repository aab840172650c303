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

void ClusterState::rewrite(const std::vector<NodeRecord>& nodes) const
{
	// Whole or not at all: a crash halfway must not lose the pids of the
	// nodes `down` has to stop.
	const std::string temporary = file() + ".new";
	{
		Poco::FileOutputStream out(temporary, std::ios::out | std::ios::trunc);
		for (const auto& node : nodes)
			out << node.name << ' ' << node.pid << ' ' << node.port << ' ' << node.url << ' ' << node.log << '\n';
		out.close();
		if (!out) throw Poco::WriteFileException(temporary);
	}
	Poco::File(temporary).renameTo(file());
}

void ClusterState::remove() const
{
	for (const auto& node : read())
		if (Poco::File(commandFile(node.name)).exists()) Poco::File(commandFile(node.name)).remove();
	if (exists()) Poco::File(file()).remove();
}

std::string ClusterState::commandFile(const std::string& name) const
{
	return Poco::Path(_dir).makeDirectory().setFileName(name + ".command").toString();
}

void ClusterState::saveCommand(const std::string& name, const std::vector<std::string>& command) const
{
	Poco::FileOutputStream out(commandFile(name), std::ios::out | std::ios::trunc);
	for (const auto& arg : command) out << arg << '\0';
	out.close();
	if (!out) throw Poco::WriteFileException(commandFile(name));
}

std::vector<std::string> ClusterState::command(const std::string& name) const
{
	std::vector<std::string> command;
	if (!Poco::File(commandFile(name)).exists()) return command;
	Poco::FileInputStream in(commandFile(name));
	std::string arg;
	while (std::getline(in, arg, '\0')) command.push_back(arg);
	return command;
}

} // namespace p2p::cluster
