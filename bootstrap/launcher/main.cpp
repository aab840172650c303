// p2p-cluster: brings a network of p2p-node processes up on this machine,
// shows it, and takes it down again. A thin shell around ClusterLauncher.
#include "ClusterLauncher.h"
#include "ComposeFile.h"
#include <Poco/NumberParser.h>
#include <Poco/Path.h>
#include <csignal>
#include <iostream>
#include <limits.h>
#include <map>
#include <unistd.h>

namespace {

const char* const kUsage =
	"usage: p2p-cluster up [--nodes N] [--base-port P] [--dir DIR] [--plugins a,b,...] [--config FILE]\n"
	"                      [--timeout S] [--define key=value ...] [--netns]\n"
	"       p2p-cluster status [--dir DIR]\n"
	"       p2p-cluster compose [--nodes N] [--base-port P] [--plugins a,b,...] [--image IMAGE]\n"
	"       p2p-cluster restart [--dir DIR] [--node NAME] [--kill] [--grace S] [--timeout S]\n"
	"       p2p-cluster down [--dir DIR] [--grace S] [--netns]\n"
	"\n"
	"up      starts a bootstrap node on the base port (default 5000) and N nodes (default 100) on the\n"
	"        ports above it, on 127.0.0.1, each with a data directory and log under DIR (default\n"
	"        ./cluster); waits until every node is registered and knows every other (--timeout,\n"
	"        default 60 s). Nodes load --plugins (default: the --config file's, else the\n"
	"        seed's messaging,dht-router,kvstore,filestore,gossip); --define is passed to all.\n"
	"        --netns: each node in its own network namespace on the bridge p2p_network, all on\n"
	"        the base port and reachable as http://nodeK:PORT (needs root).\n"
	"status  a table of node, pid, URL, alive, peers known.\n"
	"compose prints a Docker Compose file for the same network (container/compose.yaml is\n"
	"        p2p-cluster compose --nodes 100): node K on host port P+K, network p2p_network.\n"
	"restart stops NAME (default: every node, bootstrap included; all before any starts again) with\n"
	"        SIGTERM, or SIGKILL with --kill, and starts each again as up did, with its data\n"
	"        directory; waits until each answers (--timeout, default 60 s).\n"
	"down    SIGTERM to every recorded node, SIGKILL after --grace seconds (default 15); with\n"
	"        --netns (or a network started with it) also removes every p2p- namespace and the bridge.\n";

/// The directory of the running executable, where p2p-node is too.
std::string binDir()
{
	char path[PATH_MAX];
	const ssize_t n = ::readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n <= 0) return ".";
	path[n] = '\0';
	return Poco::Path(path).parent().toString();
}

int usageError(const std::string& message)
{
	std::cerr << "p2p-cluster: " << message << "\n\n" << kUsage;
	return 2;
}

} // namespace

int main(int argc, char** argv)
{
	std::signal(SIGPIPE, SIG_IGN);
	if (argc < 2) return usageError("say up, status, restart, compose or down");
	const std::string command = argv[1];
	if (command == "--help" || command == "-h" || command == "help")
	{
		std::cout << kUsage;
		return 0;
	}

	p2p::cluster::UpOptions up;
	int grace = 15;
	std::string node;
	bool kill = false;
	std::string image = "p2p-node:latest";
	try
	{
		for (int i = 2; i < argc; ++i)
		{
			const std::string option = argv[i];
			if (option == "--help" || option == "-h")
			{
				std::cout << kUsage;
				return 0;
			}
			if (option == "--netns")
			{
				up.netns = true;
				continue;
			}
			if (option == "--kill")
			{
				kill = true;
				continue;
			}
			if (i + 1 >= argc) return usageError(option + " needs a value");
			const std::string value = argv[++i];
			if (option == "--dir") up.dir = value;
			else if (option == "--nodes") up.nodes = Poco::NumberParser::parse(value);
			else if (option == "--base-port") up.basePort = Poco::NumberParser::parse(value);
			else if (option == "--plugins") up.plugins = value;
			else if (option == "--config") up.config = value;
			else if (option == "--timeout") up.timeoutSeconds = Poco::NumberParser::parse(value);
			else if (option == "--define" || option == "-D") up.defines.push_back(value);
			else if (option == "--grace") grace = Poco::NumberParser::parse(value);
			else if (option == "--image") image = value;
			else if (option == "--node") node = value;
			else return usageError("unknown option " + option);
		}
	}
	catch (const Poco::SyntaxException& exc)
	{
		return usageError("not a number: " + exc.message());
	}

	try
	{
		p2p::cluster::ClusterLauncher launcher(binDir(), std::cout, std::cerr);
		if (command == "compose")
		{
			p2p::cluster::ComposeFile::Options compose;
			compose.nodes = up.nodes;
			compose.basePort = up.basePort;
			if (!up.plugins.empty()) compose.plugins = up.plugins;
			compose.image = image;
			std::cout << p2p::cluster::ComposeFile::render(compose);
			return 0;
		}
		if (command == "up") return launcher.up(up);
		if (command == "status") return launcher.status(up.dir);
		if (command == "down") return launcher.down(up.dir, grace, up.netns);
		if (command == "restart") return launcher.restart(up.dir, node, grace, kill, up.timeoutSeconds);
		return usageError("unknown command " + command);
	}
	catch (const Poco::Exception& exc)
	{
		std::cerr << "p2p-cluster: " << exc.displayText() << std::endl;
		return 1;
	}
}
