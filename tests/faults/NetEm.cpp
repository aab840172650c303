// p2p-netem: delay and loss for a kernel without sch_netem. Packets that an
// iptables rule sends to NFQUEUE (in the network namespace this runs in) are
// held for a random delay each and then accepted, or dropped with the given
// probability, as `tc qdisc ... netem delay D J loss L` would:
//
//   iptables -A OUTPUT -o eth0 -j NFQUEUE --queue-num 0 --queue-bypass
//   p2p-netem --queue 0 --delay-ms 150-250 --loss 0.05
//
// It runs until SIGTERM or SIGINT; packets it holds then are dropped, and
// with --queue-bypass the rule lets packets through once nothing listens.
#include <arpa/inet.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <queue>
#include <random>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Held
{
	Clock::time_point due;
	std::uint32_t id;
	bool operator>(const Held& other) const { return due > other.due; }
};

struct Settings
{
	unsigned queue = 0;
	int minMs = 0;
	int maxMs = 0;
	double loss = 0;
};

struct State
{
	Settings settings;
	std::priority_queue<Held, std::vector<Held>, std::greater<Held>> held;
	std::mt19937_64 random{std::random_device{}()};
	nfq_q_handle* queue = nullptr;
	unsigned long long seen = 0, dropped = 0;
};

volatile std::sig_atomic_t stopping = 0;

void stop(int)
{
	stopping = 1;
}

int onPacket(nfq_q_handle* queue, nfgenmsg*, nfq_data* data, void* context)
{
	auto& state = *static_cast<State*>(context);
	const nfqnl_msg_packet_hdr* header = nfq_get_msg_packet_hdr(data);
	if (!header) return 0;
	const std::uint32_t id = ntohl(header->packet_id);
	++state.seen;
	if (std::uniform_real_distribution<double>(0, 1)(state.random) < state.settings.loss)
	{
		++state.dropped;
		return nfq_set_verdict(queue, id, NF_DROP, 0, nullptr);
	}
	const int delay = std::uniform_int_distribution<int>(state.settings.minMs, state.settings.maxMs)(state.random);
	state.held.push({Clock::now() + std::chrono::milliseconds(delay), id});
	return 0;
}

[[noreturn]] void usage(const char* why)
{
	std::fprintf(stderr, "p2p-netem: %s\nusage: p2p-netem [--queue N] --delay-ms MIN[-MAX] [--loss P]\n", why);
	std::exit(64);
}

Settings parse(int argc, char** argv)
{
	Settings settings;
	bool delay = false;
	for (int i = 1; i < argc; ++i)
	{
		const std::string option = argv[i];
		if (i + 1 >= argc) usage((option + " needs a value").c_str());
		const std::string value = argv[++i];
		char* end = nullptr;
		if (option == "--queue")
			settings.queue = static_cast<unsigned>(std::strtoul(value.c_str(), &end, 10));
		else if (option == "--delay-ms")
		{
			settings.minMs = static_cast<int>(std::strtol(value.c_str(), &end, 10));
			settings.maxMs = settings.minMs;
			if (*end == '-') settings.maxMs = static_cast<int>(std::strtol(end + 1, &end, 10));
			delay = true;
		}
		else if (option == "--loss")
			settings.loss = std::strtod(value.c_str(), &end);
		else
			usage(("unknown option " + option).c_str());
		if (!end || *end != '\0') usage(("not a number: " + value).c_str());
	}
	if (!delay) usage("--delay-ms is required");
	if (settings.minMs < 0 || settings.maxMs < settings.minMs || settings.maxMs > 60000)
		usage("--delay-ms must be MIN-MAX with 0 <= MIN <= MAX <= 60000");
	if (settings.loss < 0 || settings.loss > 1) usage("--loss must be from 0 to 1");
	return settings;
}

} // namespace

int main(int argc, char** argv)
{
	State state;
	state.settings = parse(argc, argv);
	std::signal(SIGTERM, stop);
	std::signal(SIGINT, stop);

	nfq_handle* handle = nfq_open();
	if (!handle) usage("nfq_open failed (root, and a kernel with NFQUEUE, are needed)");
	nfq_unbind_pf(handle, AF_INET);
	if (nfq_bind_pf(handle, AF_INET) < 0) usage("nfq_bind_pf failed");
	state.queue = nfq_create_queue(handle, static_cast<std::uint16_t>(state.settings.queue), &onPacket, &state);
	if (!state.queue) usage("nfq_create_queue failed: is another program on that queue?");
	// Only the verdicts matter: no payload is copied to us.
	if (nfq_set_mode(state.queue, NFQNL_COPY_META, 0) < 0) usage("nfq_set_mode failed");
	// Delay means many packets held at once: room for them in the kernel...
	nfq_set_queue_maxlen(state.queue, 1 << 16);
	// ...and for their notifications in our socket.
	nfnl_rcvbufsiz(nfq_nfnlh(handle), 16 << 20);
	const int fd = nfq_fd(handle);
	std::fprintf(stderr, "p2p-netem: queue %u, delay %d-%d ms, loss %.3f\n", state.settings.queue, state.settings.minMs,
	             state.settings.maxMs, state.settings.loss);

	std::vector<char> buffer(1 << 16);
	while (!stopping)
	{
		const auto now = Clock::now();
		while (!state.held.empty() && state.held.top().due <= now)
		{
			nfq_set_verdict(state.queue, state.held.top().id, NF_ACCEPT, 0, nullptr);
			state.held.pop();
		}
		int wait = 1000;
		if (!state.held.empty())
			wait = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(state.held.top().due - now).count()) + 1;
		pollfd ready{fd, POLLIN, 0};
		if (::poll(&ready, 1, wait) <= 0) continue;
		// Drain what is there: a burst must not wait a poll per packet.
		for (int i = 0; i < 256; ++i)
		{
			const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
			if (n <= 0) break; // EAGAIN, or ENOBUFS: the kernel dropped notifications, as a full link would
			nfq_handle_packet(handle, buffer.data(), static_cast<int>(n));
		}
	}
	std::fprintf(stderr, "p2p-netem: %llu packets, %llu dropped, %zu held at exit\n", state.seen, state.dropped, state.held.size());
	nfq_destroy_queue(state.queue);
	nfq_close(handle);
	return 0;
}
