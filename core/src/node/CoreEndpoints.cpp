#include "node/CoreEndpoints.h"
#include "host/PluginHost.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include "p2p/Membership.h"
#include "p2p/Metrics.h"
#include "p2p/Router.h"
#include "p2p/Version.h"
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/StringTokenizer.h>
#include <fstream>
#include <set>
#include <unistd.h>

namespace p2p {

namespace {

std::vector<std::string> splitList(const std::string& text, const std::string& separators)
{
	Poco::StringTokenizer tokens(text, separators, Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
	return std::vector<std::string>(tokens.begin(), tokens.end());
}

double residentBytes()
{
	// statm: size resident shared ... in pages.
	std::ifstream statm("/proc/self/statm");
	long size = 0, resident = 0;
	statm >> size >> resident;
	return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

} // namespace

CoreEndpoints::CoreEndpoints(NodeIdentity node, PluginList plugins, MetricsRegistry& metrics,
                             const Membership& membership, std::function<bool()> registered):
	_node(std::move(node)),
	_plugins(std::move(plugins)),
	_metrics(metrics),
	_membership(membership),
	_registered(std::move(registered))
{
}

void CoreEndpoints::registerOn(Router& router)
{
	// Answers from memory, at once: on the connection's event loop.
	RouteOptions quick;
	quick.runs = Runs::Loop;
	router.add("GET", "/", [this](Request&, Response& response) {
		auto body = json::object();
		body->set("message", "Node " + _node.id + " is running!");
		response.json(body);
	}, quick);

	RouteOptions open = quick;
	open.access = Access::Public; // load balancers and service managers have no credentials
	router.add("GET", "/health", [](Request&, Response& response) {
		auto body = json::object();
		body->set("status", "ok");
		response.json(body);
	}, open);

	router.add("GET", "/status", [this](Request&, Response& response) {
		auto body = json::object();
		body->set("id", _node.id);
		body->set("url", _node.advertisedUrl);
		body->set("version", std::string(coreVersion()));
		body->set("plugin_api_version", coreApiVersion());
		body->set("started_at", Poco::DateTimeFormatter::format(_started, Poco::DateTimeFormat::ISO8601_FORMAT));
		body->set("uptime_seconds", _started.elapsed() / 1000000);
		// The view by state: what an operator checks first when peers is low.
		const auto counts = _membership.countByState();
		body->set("peers", counts[0]);
		auto members = json::object();
		members->set("alive", counts[0]);
		members->set("suspect", counts[1]);
		members->set("dead", counts[2]);
		body->set("members", members);
		if (_registered) body->set("registered", _registered());
		body->set("synced", _membership.synced()); // the view has been filled from the network
		Poco::JSON::Array::Ptr plugins = new Poco::JSON::Array;
		for (const auto& info : _plugins())
		{
			auto plugin = json::object();
			plugin->set("name", info.name);
			plugin->set("version", info.version);
			plugin->set("library", info.library);
			plugins->add(plugin);
		}
		body->set("plugins", plugins);
		response.json(body);
	}, quick);

	router.add("GET", "/members", [this](Request& request, Response& response) {
		// ?state=dead (or suspect,dead ...): only those, so that watching a
		// thousand nodes for failures does not fetch a thousand whole views.
		std::set<std::string> states;
		for (const auto& state : splitList(request.query("state", ""), ","))
		{
			if (state != "alive" && state != "suspect" && state != "dead")
				throw BadRequestException("query parameter 'state' lists alive, suspect or dead, not '" + state + "'");
			states.insert(state);
		}
		Poco::JSON::Array::Ptr members = new Poco::JSON::Array;
		for (const auto& member : _membership.members())
		{
			if (!states.empty() && !states.count(toString(member.state))) continue;
			auto item = json::object();
			item->set("id", member.id);
			item->set("url", member.url);
			item->set("state", std::string(toString(member.state)));
			item->set("incarnation", member.incarnation);
			item->set("last_seen", Poco::DateTimeFormatter::format(member.lastSeen, Poco::DateTimeFormat::ISO8601_FRAC_FORMAT));
			members->add(item);
		}
		auto body = json::object();
		body->set("self", _node.id);
		body->set("members", members);
		response.json(body);
	});

	router.add("GET", "/metrics", [this](Request&, Response& response) {
		response.send(_metrics.render(), "text/plain; version=0.0.4");
	});

	_metrics.gauge("p2p_node_info", "Always 1; labels describe the node.",
	               {{"id", _node.id}, {"version", coreVersion()}}, [] { return 1.0; });
	for (const auto& info : _plugins())
	{
		_metrics.gauge("p2p_plugin_info", "Always 1 for each loaded plugin; labels give its version.",
		               {{"name", info.name}, {"version", info.version}}, [] { return 1.0; });
	}
	_metrics.gauge("p2p_uptime_seconds", "Seconds since the node started.", {},
	               [this] { return static_cast<double>(_started.elapsed()) / 1e6; });
	_metrics.gauge("p2p_membership_members", "Other nodes in this node's view that are alive.", {{"state", "alive"}},
	               [this] { return static_cast<double>(_membership.countByState()[0]); });
	_metrics.gauge("process_resident_memory_bytes", "Resident memory of the node process.", {}, residentBytes);
}

} // namespace p2p
