// No acknowledged write lost: writes keys through random nodes of a running
// network (kvstore over dht-router), SIGKILLs nodes part-way through, waits
// until the survivors' rings have dropped them, then reads every write that
// was acknowledged (200) back through random survivors.
//
//   p2p-kv-durability --dir CLUSTER_DIR [--keys 10000] [--kill 2] [--threads 4]
//
// CLUSTER_DIR is one that `p2p-cluster up --plugins dht-router,kvstore` made
// (its cluster.state names each node's pid and port). Exit status 0 when
// nothing was lost, 1 otherwise. make bench runs it on 10 nodes.
#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Random.h>
#include <Poco/Stopwatch.h>
#include <Poco/StreamCopier.h>
#include <Poco/Thread.h>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Node
{
	std::string name;
	int pid = 0;
	Poco::UInt16 port = 0;
	std::atomic<bool> killed{false};
};

struct Answer
{
	int status = 0; ///< 0: no answer at all
	std::string body;
};

/// One keep-alive connection per node, per thread.
class Client
{
public:
	Answer send(Node& node, const std::string& method, const std::string& path, const std::string& body = "")
	{
		auto& session = _sessions[node.port];
		if (!session)
		{
			session = std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1", node.port);
			session->setKeepAlive(true);
			session->setTimeout(Poco::Timespan(10, 0));
		}
		try
		{
			Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
			request.setKeepAlive(true);
			if (!body.empty())
			{
				request.setContentType("application/json");
				request.setContentLength(static_cast<std::streamsize>(body.size()));
			}
			session->sendRequest(request) << body;
			Poco::Net::HTTPResponse response;
			std::istream& in = session->receiveResponse(response);
			Answer answer;
			answer.status = static_cast<int>(response.getStatus());
			Poco::StreamCopier::copyToString(in, answer.body);
			return answer;
		}
		catch (const Poco::Exception&)
		{
			session.reset(); // a dead node, or a connection it closed
			return {};
		}
	}

private:
	std::map<Poco::UInt16, std::unique_ptr<Poco::Net::HTTPClientSession>> _sessions;
};

std::vector<std::unique_ptr<Node>> readCluster(const std::string& dir)
{
	std::ifstream state(dir + "/cluster.state");
	if (!state) throw Poco::FileNotFoundException(dir + "/cluster.state (start the network with p2p-cluster up first)");
	std::vector<std::unique_ptr<Node>> nodes;
	std::string name, url, log;
	int pid = 0, port = 0;
	while (state >> name >> pid >> port >> url >> log)
	{
		if (name == "bootstrap") continue;
		auto node = std::make_unique<Node>();
		node->name = name;
		node->pid = pid;
		node->port = static_cast<Poco::UInt16>(port);
		nodes.push_back(std::move(node));
	}
	return nodes;
}

std::string key(int i)
{
	return "durable-" + std::to_string(i);
}

std::string value(int i)
{
	return "\"value of " + std::to_string(i) + "\"";
}

} // namespace

int main(int argc, char** argv)
{
	std::string dir;
	int keys = 10000, kills = 2, threads = 4;
	for (int i = 1; i + 1 < argc; i += 2)
	{
		const std::string option = argv[i];
		if (option == "--dir") dir = argv[i + 1];
		else if (option == "--keys") keys = std::atoi(argv[i + 1]);
		else if (option == "--kill") kills = std::atoi(argv[i + 1]);
		else if (option == "--threads") threads = std::atoi(argv[i + 1]);
	}
	if (dir.empty() || keys <= 0 || kills < 0 || threads <= 0)
	{
		std::fprintf(stderr, "usage: p2p-kv-durability --dir CLUSTER_DIR [--keys 10000] [--kill 2] [--threads 4]\n");
		return 2;
	}
	std::signal(SIGPIPE, SIG_IGN);
	auto nodes = readCluster(dir);
	if (static_cast<int>(nodes.size()) <= kills + 2)
	{
		std::fprintf(stderr, "p2p-kv-durability: %zu nodes is too few to kill %d\n", nodes.size(), kills);
		return 2;
	}

	// Writes: each thread takes the next key and a random node.
	std::vector<char> acknowledged(static_cast<std::size_t>(keys), 0);
	std::atomic<int> next{0}, acked{0}, refused{0};
	Poco::Stopwatch clock;
	clock.start();
	std::vector<std::thread> writers;
	for (int t = 0; t < threads; ++t)
	{
		writers.emplace_back([&, t] {
			Client client;
			Poco::Random random;
			random.seed(static_cast<Poco::UInt32>(t * 7919 + 1));
			for (int i = next++; i < keys; i = next++)
			{
				Node& node = *nodes[random.next(static_cast<Poco::UInt32>(nodes.size()))];
				const Answer answer = client.send(node, "PUT", "/kv/" + key(i), value(i));
				if (answer.status == 200)
				{
					acknowledged[static_cast<std::size_t>(i)] = 1;
					++acked;
				}
				else
					++refused;
			}
		});
	}
	// SIGKILL nodes at even intervals through the writes, from the back of the list.
	std::vector<std::string> victims;
	for (int k = 0; k < kills; ++k)
	{
		const int at = keys * (k + 1) / (kills + 1);
		while (next < at) std::this_thread::sleep_for(std::chrono::milliseconds(1));
		Node& victim = *nodes[nodes.size() - 1 - static_cast<std::size_t>(k) * 3];
		::kill(victim.pid, SIGKILL);
		victim.killed = true;
		victims.push_back(victim.name);
		std::printf("SIGKILL %s (pid %d) after %d writes started\n", victim.name.c_str(), victim.pid, at);
	}
	for (auto& writer : writers) writer.join();
	clock.stop();
	std::printf("writes: %d acknowledged, %d refused (a node killed under them, or no quorum), %.1f s, %.0f writes/s\n",
	            acked.load(), refused.load(), (clock.elapsed() / 1e6), keys / (clock.elapsed() / 1e6));

	// Read back once every survivor's ring has dropped the dead.
	std::vector<Node*> alive;
	for (auto& node : nodes)
		if (!node->killed) alive.push_back(node.get());
	const int ringSize = static_cast<int>(alive.size());
	Client client;
	Poco::Stopwatch settle;
	settle.start();
	for (Node* node : alive)
	{
		for (;;)
		{
			const Answer ring = client.send(*node, "GET", "/dht/ring");
			if (ring.body.find("\"nodes\":" + std::to_string(ringSize) + ",") != std::string::npos) break;
			if ((settle.elapsed() / 1e6) > 120)
			{
				std::fprintf(stderr, "p2p-kv-durability: %s never dropped the killed nodes from its ring\n", node->name.c_str());
				return 1;
			}
			Poco::Thread::sleep(100);
		}
	}
	std::printf("every survivor's ring has %d nodes after %.1f s\n", ringSize, (settle.elapsed() / 1e6));

	int lost = 0, unavailable = 0, checked = 0;
	Poco::Random random;
	for (int i = 0; i < keys; ++i)
	{
		if (!acknowledged[static_cast<std::size_t>(i)]) continue;
		++checked;
		Node& node = *alive[random.next(static_cast<Poco::UInt32>(alive.size()))];
		const Answer answer = client.send(node, "GET", "/kv/" + key(i));
		const std::string expected = "{\"key\":\"" + key(i) + "\",\"value\":" + value(i) + "}";
		if (answer.status == 200 && answer.body == expected) continue;
		if (answer.status == 404 || answer.status == 200)
		{
			if (++lost <= 10) std::fprintf(stderr, "LOST %s: %d %s\n", key(i).c_str(), answer.status, answer.body.c_str());
		}
		else if (++unavailable <= 10)
			std::fprintf(stderr, "UNAVAILABLE %s: %d %s\n", key(i).c_str(), answer.status, answer.body.c_str());
	}
	std::printf("read back %d acknowledged keys: %d lost, %d unavailable\n", checked, lost, unavailable);
	return lost == 0 && unavailable == 0 ? 0 : 1;
}
