#include "ClusterLauncher.h"
#include "NetnsNetwork.h"
#include "NodeSpawner.h"
#include "p2p/Json.h"
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/Stopwatch.h>
#include <Poco/Thread.h>
#include <algorithm>
#include <atomic>
#include <thread>
#include <csignal>
#include <iomanip>
#include <iostream>
#include <sys/resource.h>
#include <unistd.h>

namespace p2p::cluster {

namespace {

PeerClient::Settings pollingSettings()
{
	PeerClient::Settings s;
	s.connectTimeout = Poco::Timespan(0, 500 * 1000);
	s.requestTimeout = Poco::Timespan(2, 0);
	s.maxIdlePerPeer = 1;
	return s;
}

std::string absolute(const std::string& path)
{
	return Poco::Path(path).makeAbsolute().toString();
}

/// An absolute directory path ending in '/'.
std::string absoluteDir(const std::string& path)
{
	return Poco::Path(path).makeDirectory().makeAbsolute().toString();
}

} // namespace

ClusterLauncher::ClusterLauncher(std::string binDir, std::ostream& out, std::ostream& err):
	_binDir(std::move(binDir)),
	_out(out),
	_err(err),
	_client(pollingSettings()),
	_terminal(::isatty(STDOUT_FILENO) == 1)
{
}

int ClusterLauncher::registeredAt(const NodeRecord& bootstrap)
{
	try
	{
		PeerResponse response = _client.send(bootstrap.url, "GET", "/peers", "", "application/json", _credentials);
		if (response.status != 200) return -1;
		return static_cast<int>(json::asObject(json::parse(response.body))->getArray("peers")->size());
	}
	catch (const Poco::Exception&)
	{
		return -1;
	}
}

int ClusterLauncher::peersOf(const NodeRecord& node)
{
	try
	{
		PeerResponse response = _client.send(node.url, "GET", "/status", "", "application/json", _credentials);
		if (response.status != 200) return -1;
		auto status = json::asObject(json::parse(response.body));
		return status->has("peers") ? status->getValue<int>("peers") : -1;
	}
	catch (const Poco::Exception&)
	{
		return -1;
	}
}

void ClusterLauncher::progress(int registered, int discovered, int total, bool final)
{
	if (_terminal)
	{
		const int width = 30;
		const int filled = total > 0 ? width * (registered + discovered) / (2 * total) : width;
		_out << "\r[" << std::string(static_cast<std::size_t>(filled), '#') << std::string(static_cast<std::size_t>(width - filled), '.')
		     << "] registered " << registered << '/' << total << "  fully discovered " << discovered << '/' << total
		     << (final ? "\n" : "") << std::flush;
	}
	else
	{
		_out << "registered " << registered << '/' << total << ", fully discovered " << discovered << '/' << total << std::endl;
	}
}

void ClusterLauncher::raiseDescriptorLimit(int nodes)
{
	// The nodes inherit this process's limit. A node may hold pooled
	// connections to many of its peers, gossip and its stores besides:
	// 1024, a common soft default, is too few for a node of a thousand.
	rlimit limit{};
	if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
	const rlim_t wanted = std::min<rlim_t>(limit.rlim_max, 65536);
	if (limit.rlim_cur < wanted)
	{
		limit.rlim_cur = wanted;
		if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) return;
	}
	const rlim_t advised = static_cast<rlim_t>(std::max(4096, nodes * 4));
	if (limit.rlim_cur < advised)
		_err << "p2p-cluster: each node may open only " << limit.rlim_cur << " descriptors (the hard limit, ulimit -Hn); "
		     << "with " << nodes << " nodes " << advised << " is advised: raise it (limits.conf, or LimitNOFILE= "
		     << "for a service) and start again if nodes report 'Too many open files'" << std::endl;
}

std::vector<int> ClusterLauncher::inParallel(std::size_t count, const std::function<int(std::size_t)>& ask)
{
	std::vector<int> answers(count, -1);
	std::atomic<std::size_t> next{0};
	std::vector<std::thread> workers;
	for (std::size_t w = 0; w < std::min<std::size_t>(count, kParallelRequests); ++w)
	{
		workers.emplace_back([&] {
			for (std::size_t k = next++; k < count; k = next++) answers[k] = ask(k);
		});
	}
	for (auto& worker : workers) worker.join();
	return answers;
}

int ClusterLauncher::up(const UpOptions& options)
{
	static const std::string token = "http.auth.token=";
	for (const auto& define : options.defines)
	{
		if (define.compare(0, token.size(), token) == 0)
			_credentials = {{"Authorization", "Bearer " + define.substr(token.size())}};
	}
	const std::string dir = absoluteDir(options.dir);
	ClusterState state(dir);
	for (const auto& node : state.read())
	{
		if (NodeSpawner::isNode(node.pid))
		{
			_err << "p2p-cluster: a network is already running from " << dir << " (" << node.name << " is pid " << node.pid
			     << "); run p2p-cluster down --dir " << options.dir << " first" << std::endl;
			return 2;
		}
	}
	if (options.netns)
	{
		std::string why;
		if (!NetnsNetwork::available(why))
		{
			_err << "p2p-cluster: --netns is not possible here: " << why << std::endl;
			return 2;
		}
		if (NetnsNetwork::exists())
		{
			_err << "p2p-cluster: the " << NetnsNetwork::kBridge << " bridge exists already; run p2p-cluster down --netns first"
			     << std::endl;
			return 2;
		}
	}
	if (options.nodes < 1 || options.basePort < 1 || options.basePort + options.nodes > 65535)
	{
		_err << "p2p-cluster: --nodes and --base-port must give ports between 1 and 65535" << std::endl;
		return 2;
	}
	std::vector<int> taken;
	for (int port = options.basePort; !options.netns && port <= options.basePort + options.nodes; ++port)
	{
		if (!NodeSpawner::portFree(static_cast<unsigned short>(port))) taken.push_back(port);
	}
	if (!taken.empty())
	{
		_err << "p2p-cluster: port" << (taken.size() > 1 ? "s" : "") << " already in use:";
		for (std::size_t i = 0; i < taken.size() && i < 20; ++i) _err << ' ' << taken[i];
		_err << (taken.size() > 20 ? " ..." : "") << "; nothing was started (choose another --base-port)" << std::endl;
		return 2;
	}

	raiseDescriptorLimit(options.nodes);
	Poco::File(dir).createDirectories();
	state.remove();
	if (Poco::File(netnsMarker(dir)).exists()) Poco::File(netnsMarker(dir)).remove();
	std::vector<std::string> names{"bootstrap"};
	for (int k = 1; k <= options.nodes; ++k) names.push_back("node" + std::to_string(k));
	if (options.netns)
	{
		Poco::File(netnsMarker(dir)).createFile();
		try
		{
			NetnsNetwork::create(names);
		}
		catch (const Poco::Exception& exc)
		{
			_err << "p2p-cluster: " << exc.message() << std::endl;
			NetnsNetwork::destroy();
			return 1;
		}
	}
	const std::string binary = _binDir + "/p2p-node";
	const std::string bootstrapUrl =
		options.netns ? "http://bootstrap:" + std::to_string(options.basePort) : "http://127.0.0.1:" + std::to_string(options.basePort);
	std::vector<NodeRecord> nodes;
	Poco::Stopwatch clock;
	clock.start();
	for (int k = 0; k <= options.nodes; ++k)
	{
		NodeRecord node;
		node.name = names[static_cast<std::size_t>(k)];
		// In namespaces every node has the same port on its own address;
		// on loopback they share an address and differ by port.
		node.port = static_cast<Poco::UInt16>(options.netns ? options.basePort : options.basePort + k);
		const std::string host = options.netns ? NetnsNetwork::addressOf(k) : "127.0.0.1";
		node.url = "http://" + host + ":" + std::to_string(node.port);
		const std::string advertised = options.netns ? "http://" + node.name + ":" + std::to_string(node.port) : node.url;
		node.log = dir + node.name + ".log";
		std::vector<std::string> args;
		if (!options.config.empty()) args.insert(args.end(), {"--config", absolute(options.config)});
		args.push_back(options.netns ? "-Dhttp.host=0.0.0.0" : "-Dhttp.host=127.0.0.1");
		args.push_back("-Dhttp.port=" + std::to_string(node.port));
		args.push_back("-Dnode.id=" + node.name);
		args.push_back("-Dnode.data_dir=" + dir + node.name);
		args.push_back("-Dnode.advertise=" + advertised);
		// A hundred access logs of the launcher's own polling help nobody.
		args.push_back("-Dhttp.access_log=false");
		if (k == 0)
		{
			// As config/bootstrap.properties has it: every node registers at
			// once, and a shallow queue would refuse most of them.
			args.insert(args.end(), {"-Dplugins.load=bootstrap", "-Dhttp.max_queued=4096", "-Dhttp.backlog=4096"});
		}
		else if (!options.plugins.empty() || options.config.empty())
			args.push_back("-Dplugins.load=" + (options.plugins.empty() ? std::string(kSeedPlugins) : options.plugins));
		if (k > 0) args.push_back("-Dcluster.bootstrap=" + bootstrapUrl);
		for (const auto& define : options.defines) args.push_back("-D" + define);
		std::vector<std::string> command{binary};
		command.insert(command.end(), args.begin(), args.end());
		if (options.netns) command = NetnsNetwork::wrap(node.name, binary, args);
		state.saveCommand(node.name, command);
		node.pid = NodeSpawner::spawn(command.front(), std::vector<std::string>(command.begin() + 1, command.end()), node.log);
		state.append(node);
		nodes.push_back(node);
	}

	// Wait: registered (the bootstrap lists it) and fully discovered (it
	// knows all the other nodes). Nodes are asked only once every node is
	// registered (none can know all the others before), a sweep at most
	// every millisecond per node (a thousand nodes asked twice a second
	// would take the forming network a core), and a node that has got there
	// is not asked again.
	const int total = options.nodes;
	std::vector<bool> discovered(nodes.size(), false);
	int registered = 0;
	int discoveredCount = 0;
	const Poco::Timestamp::TimeDiff sweepEvery = std::max(100, total) * Poco::Timestamp::TimeDiff(1000);
	Poco::Timestamp lastSweep(0);
	while (true)
	{
		// A busy bootstrap node that does not answer in time is no news.
		registered = std::max(registered, registeredAt(nodes[0]));
		if (NodeSpawner::childExited(nodes[0].pid))
		{
			progress(registered, discoveredCount, total, true);
			_err << "p2p-cluster: the bootstrap node exited; its log is " << nodes[0].log << std::endl;
			return 1;
		}
		std::vector<std::size_t> waiting;
		for (std::size_t i = 1; i < nodes.size(); ++i)
		{
			if (discovered[i]) continue;
			if (NodeSpawner::childExited(nodes[i].pid))
			{
				progress(registered, discoveredCount, total, true);
				_err << "p2p-cluster: " << nodes[i].name << " exited; its log is " << nodes[i].log << std::endl;
				return 1;
			}
			waiting.push_back(i);
		}
		if (registered == total && lastSweep.isElapsed(sweepEvery))
		{
			// Asked side by side: a thousand nodes asked one after the other
			// would make each sweep last longer than forming the network.
			const auto known = inParallel(waiting.size(), [&](std::size_t k) { return peersOf(nodes[waiting[k]]); });
			lastSweep.update();
			for (std::size_t k = 0; k < waiting.size(); ++k)
			{
				if (known[k] < total - 1) continue;
				discovered[waiting[k]] = true;
				++discoveredCount;
			}
		}
		const bool done = registered == total && discoveredCount == total;
		const bool late = clock.elapsed() > static_cast<Poco::Timestamp::TimeDiff>(options.timeoutSeconds) * 1000000;
		progress(registered, discoveredCount, total, done || late);
		if (done) break;
		if (late)
		{
			_err << "p2p-cluster: after " << options.timeoutSeconds << " s these nodes are not registered and aware of all "
			     << (total - 1) << " others:" << std::endl;
			for (std::size_t i = 1; i < nodes.size(); ++i)
			{
				if (!discovered[i]) _err << "  " << nodes[i].name << "  " << nodes[i].url << "  log: " << nodes[i].log << std::endl;
			}
			_err << "The network is left running: p2p-cluster status / down --dir " << options.dir << std::endl;
			return 1;
		}
		Poco::Thread::sleep(100);
	}
	_out << "up: bootstrap + " << total << " nodes registered and fully discovered in " << std::fixed << std::setprecision(1)
	     << static_cast<double>(clock.elapsed()) / 1e6 << " s" << std::endl;
	_out << "  curl -s " << nodes[0].url << "/peers" << std::endl;
	_out << "  curl -s -X POST " << nodes[1].url << "/message -H 'Content-Type: application/json' "
	     << "-d '{\"sender_id\": \"Node1\", \"message\": \"Hello Node2!\"}'" << std::endl;
	_out << "  p2p-cluster status --dir " << options.dir << "    p2p-cluster down --dir " << options.dir << std::endl;
	return 0;
}

int ClusterLauncher::status(const std::string& dirOption)
{
	ClusterState state(absoluteDir(dirOption));
	const auto nodes = state.read();
	if (nodes.empty())
	{
		_err << "p2p-cluster: no network recorded in " << state.file() << std::endl;
		return 1;
	}
	_out << std::left << std::setw(12) << "node" << std::setw(9) << "pid" << std::setw(26) << "url" << std::setw(7) << "alive"
	     << "peers known" << std::endl;
	int alive = 0;
	for (const auto& node : nodes)
	{
		const bool running = NodeSpawner::isNode(node.pid);
		const int peers = running ? peersOf(node) : -1;
		alive += running ? 1 : 0;
		_out << std::left << std::setw(12) << node.name << std::setw(9) << node.pid << std::setw(26) << node.url
		     << std::setw(7) << (running ? "yes" : "no") << (peers >= 0 ? std::to_string(peers) : "-") << std::endl;
	}
	_out << alive << " of " << nodes.size() << " processes running" << std::endl;
	return alive == static_cast<int>(nodes.size()) ? 0 : 1;
}

std::string ClusterLauncher::netnsMarker(const std::string& dir)
{
	return Poco::Path(dir).makeDirectory().setFileName("netns").toString();
}

int ClusterLauncher::down(const std::string& dirOption, int graceSeconds, bool netnsOption)
{
	ClusterState state(absoluteDir(dirOption));
	const auto nodes = state.read();
	const bool netns = netnsOption || Poco::File(netnsMarker(absoluteDir(dirOption))).exists();
	auto removeNamespaces = [&] {
		if (!netns) return true;
		const auto problems = NetnsNetwork::destroy();
		for (const auto& problem : problems) _err << "p2p-cluster: " << problem << std::endl;
		if (problems.empty())
		{
			if (Poco::File(netnsMarker(absoluteDir(dirOption))).exists()) Poco::File(netnsMarker(absoluteDir(dirOption))).remove();
			_out << "down: no p2p- network namespace, hosts file or " << NetnsNetwork::kBridge << " bridge left" << std::endl;
		}
		return problems.empty();
	};
	if (nodes.empty())
	{
		_out << "nothing recorded in " << state.file() << "; no node to stop" << std::endl;
		return removeNamespaces() ? 0 : 1;
	}
	auto running = [&](bool bootstrapToo) {
		int count = 0;
		for (const auto& node : nodes)
		{
			if (bootstrapToo || node.name != "bootstrap") count += NodeSpawner::isNode(node.pid) ? 1 : 0;
		}
		return count;
	};
	Poco::Stopwatch clock;
	clock.start();
	const auto grace = static_cast<Poco::Timestamp::TimeDiff>(graceSeconds) * 1000000;
	// The bootstrap node goes first: the whole network is going, so its
	// registry no longer matters, and the nodes' goodbyes to it then fail at
	// once rather than queue on a registry busy with a thousand of them.
	int signalled = 0;
	auto runningAll = [&] { return running(true); };
	auto bootstrapRunning = [&] { return runningAll() - running(false); };
	for (const bool bootstrapTurn : {true, false})
	{
		for (const auto& node : nodes)
		{
			if ((node.name == "bootstrap") == bootstrapTurn && NodeSpawner::isNode(node.pid) && ::kill(node.pid, SIGTERM) == 0)
				++signalled;
		}
		while ((bootstrapTurn ? bootstrapRunning() : runningAll()) > 0 && clock.elapsed() < grace) Poco::Thread::sleep(50);
	}
	int killed = 0;
	for (const auto& node : nodes)
	{
		if (NodeSpawner::isNode(node.pid) && ::kill(node.pid, SIGKILL) == 0) ++killed;
	}
	while (runningAll() > 0 && clock.elapsed() < grace + 5 * 1000000)
		Poco::Thread::sleep(50);

	std::vector<std::string> problems;
	for (const auto& node : nodes)
	{
		if (NodeSpawner::isNode(node.pid)) problems.push_back(node.name + " (pid " + std::to_string(node.pid) + ") still runs");
		else if (!netns && !NodeSpawner::portFree(node.port)) problems.push_back("port " + std::to_string(node.port) + " is still bound");
	}
	// The namespaces go after their processes (their sockets die with them).
	if (!removeNamespaces()) problems.push_back("network namespaces are left; see above");
	_out << "down: stopped " << signalled << " processes (" << killed << " needed SIGKILL)";
	if (problems.empty())
	{
		state.remove();
		if (netns) _out << "; no process left" << std::endl;
		else _out << "; no process left, ports " << nodes.front().port << ".." << nodes.back().port << " free" << std::endl;
		return 0;
	}
	_out << std::endl;
	for (const auto& problem : problems) _err << "p2p-cluster: " << problem << std::endl;
	return 1;
}

int ClusterLauncher::restart(const std::string& dirOption, const std::string& only, int graceSeconds, bool kill,
                             int timeoutSeconds)
{
	ClusterState state(absoluteDir(dirOption));
	auto nodes = state.read();
	if (nodes.empty())
	{
		_err << "p2p-cluster: no network recorded in " << state.file() << std::endl;
		return 1;
	}
	std::vector<std::size_t> chosen;
	for (std::size_t i = 0; i < nodes.size(); ++i)
		if (only.empty() || nodes[i].name == only) chosen.push_back(i);
	if (chosen.empty())
	{
		_err << "p2p-cluster: no node named " << only << " in " << state.file() << std::endl;
		return 2;
	}
	for (const auto i : chosen)
	{
		if (state.command(nodes[i].name).empty())
		{
			_err << "p2p-cluster: no command line recorded for " << nodes[i].name
			     << " (started by an older p2p-cluster); run down and up instead" << std::endl;
			return 2;
		}
	}

	// All stop before any starts: restarting every node is a test of a
	// network that lost every process at once, not a rolling restart.
	Poco::Stopwatch clock;
	clock.start();
	for (const auto i : chosen)
		if (NodeSpawner::isNode(nodes[i].pid)) ::kill(nodes[i].pid, kill ? SIGKILL : SIGTERM);
	const auto grace = static_cast<Poco::Timestamp::TimeDiff>(graceSeconds) * 1000000;
	auto anyRunning = [&] {
		return std::any_of(chosen.begin(), chosen.end(), [&](std::size_t i) { return NodeSpawner::isNode(nodes[i].pid); });
	};
	while (anyRunning() && clock.elapsed() < grace) Poco::Thread::sleep(20);
	for (const auto i : chosen)
		if (NodeSpawner::isNode(nodes[i].pid)) ::kill(nodes[i].pid, SIGKILL);
	while (anyRunning() && clock.elapsed() < grace + 5 * 1000000) Poco::Thread::sleep(20);
	if (anyRunning())
	{
		_err << "p2p-cluster: a node did not stop even after SIGKILL; nothing was started again" << std::endl;
		return 1;
	}
	const double stopped = static_cast<double>(clock.elapsed()) / 1e6;

	std::vector<int> oldPids;
	for (const auto i : chosen)
	{
		const auto command = state.command(nodes[i].name);
		oldPids.push_back(nodes[i].pid);
		nodes[i].pid = NodeSpawner::spawn(command.front(), std::vector<std::string>(command.begin() + 1, command.end()), nodes[i].log);
	}
	state.rewrite(nodes);

	// Each answers again: its listener is up and its plugins started.
	const auto deadline = static_cast<Poco::Timestamp::TimeDiff>(timeoutSeconds) * 1000000;
	std::vector<bool> answering(chosen.size(), false);
	std::size_t count = 0;
	while (count < chosen.size() && clock.elapsed() < deadline)
	{
		const auto answers = inParallel(chosen.size(), [&](std::size_t k) {
			return answering[k] || peersOf(nodes[chosen[k]]) >= 0 ? 1 : 0;
		});
		count = 0;
		for (std::size_t k = 0; k < chosen.size(); ++k)
		{
			if (NodeSpawner::childExited(nodes[chosen[k]].pid))
			{
				_err << "p2p-cluster: " << nodes[chosen[k]].name << " exited after its restart; its log is "
				     << nodes[chosen[k]].log << std::endl;
				return 1;
			}
			answering[k] = answers[k] == 1;
			count += answering[k] ? 1 : 0;
		}
		if (count < chosen.size()) Poco::Thread::sleep(50);
	}
	for (std::size_t k = 0; k < chosen.size() && chosen.size() <= 10; ++k)
		_out << "  " << nodes[chosen[k]].name << ": pid " << oldPids[k] << " -> " << nodes[chosen[k]].pid << std::endl;
	_out << "restart: " << chosen.size() << " node" << (chosen.size() == 1 ? "" : "s") << " stopped in " << std::fixed
	     << std::setprecision(1) << stopped << " s (" << (kill ? "SIGKILL" : "SIGTERM") << "), " << count
	     << " answering again after " << static_cast<double>(clock.elapsed()) / 1e6 << " s" << std::endl;
	if (count < chosen.size())
	{
		_err << "p2p-cluster: after " << timeoutSeconds << " s, " << (chosen.size() - count) << " restarted nodes do not answer"
		     << std::endl;
		return 1;
	}
	return 0;
}

} // namespace p2p::cluster
