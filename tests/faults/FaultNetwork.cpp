#include "FaultNetwork.h"
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/JSON/Array.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/Thread.h>
#include <csignal>
#include <fstream>
#include <sys/statvfs.h>
#include <cstdio>
#include <sstream>

namespace p2p::faults {

namespace {

const std::string kIp = "/usr/sbin/ip";
const std::string kNft = "/usr/sbin/nft";
const std::string kIptables = "/usr/sbin/iptables";
/// Packets to other nodes, not to the host's end of the bridge (the
/// test's own requests and their answers) nor to the node itself.
const std::vector<std::string> kDegradedPackets{"OUTPUT", "-o", "eth0", "!", "-d", "10.213.255.254", "-j", "NFQUEUE",
                                                "--queue-num", "0", "--queue-bypass"};
/// Ours alone: removing it removes every rule we added and nothing else.
const std::string kTable = "p2p_faults";

} // namespace

FaultNetwork::FaultNetwork(Options options): _options(std::move(options))
{
	std::vector<std::string> args{"up", "--netns", "--nodes", std::to_string(_options.nodes), "--dir", _dir.path(),
	                              "--timeout", std::to_string(_options.timeoutSeconds)};
	for (const auto& define : _options.defines) args.insert(args.end(), {"--define", define});
	const test::ToolResult up = test::runTool("p2p-cluster", args, Poco::Timespan(_options.timeoutSeconds + 30, 0));
	if (up.status != 0)
	{
		test::runTool("p2p-cluster", {"down", "--netns", "--dir", _dir.path(), "--grace", "5"});
		throw Poco::RuntimeException("p2p-cluster up --netns failed: " + up.output);
	}
}

FaultNetwork::~FaultNetwork()
{
	try
	{
		for (const int k : std::set<int>(_paused)) resume(k);
		heal();
		restore();
	}
	catch (const Poco::Exception&)
	{
		// down removes the namespaces, and the rules with them.
	}
	test::runTool("p2p-cluster", {"down", "--netns", "--dir", _dir.path(), "--grace", "5"});
	// Once nothing holds files there.
	for (const int k : _smallDisks) test::runCommand("/usr/bin/umount", {"-l", dataDir(k)});
}

std::string FaultNetwork::name(int k)
{
	return k == 0 ? "bootstrap" : "node" + std::to_string(k);
}

std::string FaultNetwork::address(int k)
{
	return "10.213." + std::to_string(k / 254) + "." + std::to_string(k % 254 + 1);
}

std::vector<int> FaultNetwork::all() const
{
	std::vector<int> nodes;
	for (int k = 1; k <= _options.nodes; ++k) nodes.push_back(k);
	return nodes;
}

int FaultNetwork::pid(int k) const
{
	Poco::FileInputStream in(_dir.path() + "cluster.state");
	std::string line;
	while (std::getline(in, line))
	{
		std::istringstream fields(line);
		std::string node;
		int pid = 0;
		if (fields >> node >> pid && node == name(k)) return pid;
	}
	throw Poco::NotFoundException("no pid recorded for " + name(k));
}

test::HttpResult FaultNetwork::http(int k, const std::string& method, const std::string& path, const std::string& body,
                                    Poco::Timespan timeout) const
{
	test::HttpResult result;
	try
	{
		Poco::Net::HTTPClientSession session(address(k), kPort);
		session.setTimeout(timeout);
		Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
		if (!body.empty() || method == "POST" || method == "PUT")
		{
			request.setContentType("application/json");
			request.setContentLength(static_cast<std::streamsize>(body.size()));
		}
		session.sendRequest(request) << body;
		Poco::Net::HTTPResponse response;
		std::istream& in = session.receiveResponse(response);
		std::ostringstream out;
		Poco::StreamCopier::copyStream(in, out);
		result.status = response.getStatus();
		result.body = out.str();
	}
	catch (const Poco::Exception&)
	{
		result.status = 0;
	}
	return result;
}

void FaultNetwork::nft(int k, const std::string& script) const
{
	const std::string file = _dir.path() + "nft-" + name(k) + ".rules";
	{
		Poco::FileOutputStream out(file, std::ios::trunc);
		out << script;
	}
	const test::ToolResult result = test::runCommand(kIp, {"netns", "exec", "p2p-" + name(k), kNft, "-f", file});
	if (result.status != 0) throw Poco::RuntimeException("nft in " + name(k) + " failed: " + result.output + "\n" + script);
}

void FaultNetwork::partition(const std::vector<int>& a, const std::vector<int>& b)
{
	auto setOf = [](const std::vector<int>& nodes) {
		std::string set;
		for (const int k : nodes) set += (set.empty() ? "" : ", ") + address(k);
		return set;
	};
	auto cut = [&](int k, const std::vector<int>& others) {
		// A table of our own per namespace, dropped whole by heal().
		std::string script = "table inet " + kTable + " {\n"
		                     "  chain in { type filter hook input priority -10; policy accept; ip saddr { " + setOf(others) + " } drop; }\n"
		                     "  chain out { type filter hook output priority -10; policy accept; ip daddr { " + setOf(others) + " } drop; }\n"
		                     "}\n";
		if (_filtered.count(k)) script = "delete table inet " + kTable + "\n" + script;
		nft(k, script);
		_filtered.insert(k);
	};
	for (const int k : a) cut(k, b);
	for (const int k : b) cut(k, a);
}

void FaultNetwork::heal()
{
	for (const int k : std::set<int>(_filtered))
	{
		nft(k, "delete table inet " + kTable + "\n");
		_filtered.erase(k);
	}
}

void FaultNetwork::degrade(int k, int minMs, int maxMs, double loss)
{
	if (_netems.count(k)) throw Poco::InvalidArgumentException(name(k) + " is degraded already");
	const std::string netem = test::binDir() + "/p2p-netem";
	if (!Poco::File(netem).exists())
		throw Poco::FileNotFoundException(netem + " was not built: libnetfilter-queue-dev is missing (make deps installs it)");
	char lossText[32];
	std::snprintf(lossText, sizeof(lossText), "%.4f", loss);
	// The listener first, so the rule never queues to nobody.
	_netems.emplace(k, Poco::Process::launch(kIp, {"netns", "exec", "p2p-" + name(k), netem, "--queue", "0", "--delay-ms",
	                                               std::to_string(minMs) + "-" + std::to_string(maxMs), "--loss", lossText}));
	std::vector<std::string> rule{"netns", "exec", "p2p-" + name(k), kIptables, "-A"};
	rule.insert(rule.end(), kDegradedPackets.begin(), kDegradedPackets.end());
	const test::ToolResult added = test::runCommand(kIp, rule);
	if (added.status != 0) throw Poco::RuntimeException("iptables in " + name(k) + " failed: " + added.output);
}

void FaultNetwork::restore()
{
	for (auto& [k, netem] : _netems)
	{
		std::vector<std::string> rule{"netns", "exec", "p2p-" + name(k), kIptables, "-D"};
		rule.insert(rule.end(), kDegradedPackets.begin(), kDegradedPackets.end());
		test::runCommand(kIp, rule);
	}
	for (auto& [k, netem] : _netems)
	{
		::kill(netem.id(), SIGTERM);
		netem.wait();
	}
	_netems.clear();
}

namespace {

/// Whether pid has exited: no such process, or a zombie nobody reaped yet
/// (the nodes' parent, p2p-cluster, is long gone).
bool exited(int pid)
{
	std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
	std::string line;
	if (!std::getline(stat, line)) return true;
	const auto end = line.rfind(')');
	return end == std::string::npos || line.compare(end, 3, ") Z") == 0;
}

void awaitExit(int pid, Poco::Timespan limit)
{
	const Poco::Timestamp start;
	while (!exited(pid) && !start.isElapsed(limit.totalMicroseconds())) Poco::Thread::sleep(10);
}

} // namespace

void FaultNetwork::stop(int k)
{
	const int stopping = pid(k);
	::kill(stopping, SIGTERM);
	awaitExit(stopping, Poco::Timespan(30, 0));
}

void FaultNetwork::smallDisk(int k, std::size_t bytes)
{
	kill(k);
	awaitExit(pid(k), Poco::Timespan(5, 0));
	Poco::File(dataDir(k)).remove(true);
	Poco::File(dataDir(k)).createDirectories();
	const test::ToolResult mounted =
		test::runCommand("/usr/bin/mount", {"-t", "tmpfs", "-o", "size=" + std::to_string(bytes), "p2p-faults", dataDir(k)});
	if (mounted.status != 0) throw Poco::RuntimeException("mount tmpfs on " + dataDir(k) + " failed: " + mounted.output);
	_smallDisks.insert(k);
	restart(name(k));
}

void FaultNetwork::growDisk(int k, std::size_t bytes)
{
	const test::ToolResult grown =
		test::runCommand("/usr/bin/mount", {"-o", "remount,size=" + std::to_string(bytes), dataDir(k)});
	if (grown.status != 0) throw Poco::RuntimeException("remount of " + dataDir(k) + " failed: " + grown.output);
}

std::size_t FaultNetwork::diskFree(int k) const
{
	struct statvfs disk;
	if (::statvfs(dataDir(k).c_str(), &disk) != 0) throw Poco::SystemException("statvfs " + dataDir(k));
	return static_cast<std::size_t>(disk.f_bavail) * disk.f_frsize;
}

void FaultNetwork::pause(int k)
{
	if (::kill(pid(k), SIGSTOP) != 0) throw Poco::SystemException("SIGSTOP to " + name(k));
	_paused.insert(k);
}

void FaultNetwork::resume(int k)
{
	if (::kill(pid(k), SIGCONT) != 0) throw Poco::SystemException("SIGCONT to " + name(k));
	_paused.erase(k);
}

void FaultNetwork::kill(int k)
{
	::kill(pid(k), SIGKILL);
}

std::string FaultNetwork::restart(const std::string& node, bool kill)
{
	std::vector<std::string> args{"restart", "--dir", _dir.path(), "--timeout", "60"};
	if (!node.empty()) args.insert(args.end(), {"--node", node});
	if (kill) args.push_back("--kill");
	const test::ToolResult result = test::runTool("p2p-cluster", args, Poco::Timespan(90, 0));
	if (result.status != 0) throw Poco::RuntimeException("p2p-cluster restart failed: " + result.output);
	return result.output;
}

std::set<std::string> FaultNetwork::seenBy(int k, const std::string& state) const
{
	std::set<std::string> ids;
	const test::HttpResult answer = http(k, "GET", "/members", "", Poco::Timespan(2, 0));
	if (answer.status != 200) return ids;
	const auto members = test::jsonObject(answer.body)->getArray("members");
	for (std::size_t i = 0; members && i < members->size(); ++i)
	{
		const auto member = members->getObject(static_cast<unsigned>(i));
		if (member->getValue<std::string>("state") == state) ids.insert(member->getValue<std::string>("id"));
	}
	return ids;
}

bool FaultNetwork::whole(const std::vector<int>& nodes) const
{
	for (const int k : nodes)
	{
		const auto alive = seenBy(k, "alive");
		for (const int other : nodes)
			if (other != k && !alive.count(name(other))) return false;
	}
	return true;
}

} // namespace p2p::faults
