#include "NetnsNetwork.h"
#include <Poco/DirectoryIterator.h>
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <Poco/Thread.h>
#include <Poco/Timestamp.h>
#include <sstream>
#include <unistd.h>

namespace p2p::cluster {

namespace {

const std::string kIp = "/usr/sbin/ip";
const std::string kNamespacePrefix = "p2p-";
const std::string kNetnsEtc = "/etc/netns/";

/// Runs ip with args; returns its exit status and what it printed.
int ip(const std::vector<std::string>& args, std::string& output)
{
	Poco::Pipe pipe;
	Poco::ProcessHandle handle = Poco::Process::launch(kIp, args, nullptr, &pipe, &pipe);
	Poco::PipeInputStream in(pipe);
	std::ostringstream out;
	Poco::StreamCopier::copyStream(in, out);
	output = out.str();
	return handle.wait();
}

void mustIp(const std::vector<std::string>& args)
{
	std::string output;
	if (ip(args, output) != 0)
	{
		std::string command = "ip";
		for (const auto& arg : args) command += " " + arg;
		throw Poco::SystemException(command + " failed: " + output);
	}
}

std::vector<std::string> ourNamespaces()
{
	std::string output;
	ip({"netns", "list"}, output);
	std::vector<std::string> names;
	std::istringstream lines(output);
	std::string line;
	while (std::getline(lines, line))
	{
		const std::string name = line.substr(0, line.find(' '));
		if (name.compare(0, kNamespacePrefix.size(), kNamespacePrefix) == 0) names.push_back(name);
	}
	return names;
}

/// The host ends of our veth pairs ("p2pv<N>") that still exist.
std::vector<std::string> ourVeths()
{
	std::vector<std::string> names;
	for (Poco::DirectoryIterator it(std::string("/sys/class/net")), end; it != end; ++it)
		if (it.name().compare(0, 4, "p2pv") == 0) names.push_back(it.name());
	return names;
}

} // namespace

std::string NetnsNetwork::namespaceOf(const std::string& node)
{
	return kNamespacePrefix + node;
}

std::string NetnsNetwork::addressOf(int index)
{
	// 10.213.0.1, 10.213.0.2 ... 10.213.0.254, 10.213.1.1 ...; never .0 or .255.
	return "10.213." + std::to_string(index / 254) + "." + std::to_string(index % 254 + 1);
}

bool NetnsNetwork::exists()
{
	return Poco::File(std::string("/sys/class/net/") + kBridge).exists();
}

void NetnsNetwork::create(const std::vector<std::string>& names)
{
	mustIp({"link", "add", kBridge, "type", "bridge"});
	mustIp({"addr", "add", std::string(kBridgeAddress) + "/16", "dev", kBridge});
	mustIp({"link", "set", kBridge, "up"});

	std::ostringstream hosts;
	hosts << "127.0.0.1 localhost\n";
	for (std::size_t i = 0; i < names.size(); ++i)
		hosts << addressOf(static_cast<int>(i)) << ' ' << names[i] << (i == 0 && names[i] != "bootstrap" ? " bootstrap" : "") << '\n';

	for (std::size_t i = 0; i < names.size(); ++i)
	{
		const std::string ns = namespaceOf(names[i]);
		const std::string veth = "p2pv" + std::to_string(i); // interface names are at most 15 bytes
		mustIp({"netns", "add", ns});
		mustIp({"link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns});
		mustIp({"link", "set", veth, "master", kBridge});
		mustIp({"link", "set", veth, "up"});
		mustIp({"-n", ns, "addr", "add", addressOf(static_cast<int>(i)) + "/16", "dev", "eth0"});
		mustIp({"-n", ns, "link", "set", "eth0", "up"});
		mustIp({"-n", ns, "link", "set", "lo", "up"});
		Poco::File(kNetnsEtc + ns).createDirectories();
		Poco::FileOutputStream out(kNetnsEtc + ns + "/hosts");
		out << hosts.str();
	}
}

std::vector<std::string> NetnsNetwork::wrap(const std::string& node, const std::string& program,
                                            const std::vector<std::string>& args)
{
	std::vector<std::string> command{kIp, "netns", "exec", namespaceOf(node), program};
	command.insert(command.end(), args.begin(), args.end());
	return command;
}

std::vector<std::string> NetnsNetwork::destroy()
{
	std::vector<std::string> problems;
	std::string output;
	for (const auto& ns : ourNamespaces())
	{
		// Deleting a namespace also deletes its end of the veth pair, and with
		// it the host end.
		if (ip({"netns", "del", ns}, output) != 0) problems.push_back("namespace " + ns + ": " + output);
	}
	// A deleted namespace lives on while sockets in it do (TIME_WAIT: up
	// to a minute), and its veth pair with it, so the next network could
	// not make p2pv0 ("File exists"). Deleting the host end takes the pair.
	for (const auto& veth : ourVeths()) ip({"link", "del", veth}, output);
	const Poco::Timestamp started;
	while (!ourVeths().empty() && !started.isElapsed(10 * 1000 * 1000)) Poco::Thread::sleep(50); // the kernel frees links in its own time
	for (const auto& veth : ourVeths()) problems.push_back("link " + veth + " is still there");
	if (Poco::File(kNetnsEtc).exists())
	{
		for (Poco::DirectoryIterator it(kNetnsEtc), end; it != end; ++it)
		{
			if (it.name().compare(0, kNamespacePrefix.size(), kNamespacePrefix) == 0) it->remove(true);
		}
	}
	if (exists() && ip({"link", "del", kBridge}, output) != 0) problems.push_back(std::string("bridge ") + kBridge + ": " + output);
	for (const auto& ns : ourNamespaces()) problems.push_back("namespace " + ns + " is still there");
	return problems;
}

bool NetnsNetwork::available(std::string& why)
{
	if (::geteuid() != 0)
	{
		why = "network namespaces need root";
		return false;
	}
	if (!Poco::File(kIp).exists())
	{
		why = kIp + " is missing (Debian package iproute2)";
		return false;
	}
	const std::string probe = kNamespacePrefix + "probe-" + std::to_string(::getpid());
	std::string output;
	if (ip({"netns", "add", probe}, output) != 0)
	{
		why = "cannot create a network namespace: " + output;
		return false;
	}
	ip({"netns", "del", probe}, output);
	return true;
}

} // namespace p2p::cluster
