#include "CoreEndpoints.h"
#include "PluginHost.h"
#include "p2p/Json.h"
#include "p2p/Metrics.h"
#include "p2p/Router.h"
#include "p2p/Version.h"
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <fstream>
#include <unistd.h>

namespace p2p {

namespace {

double residentBytes()
{
	// statm: size resident shared ... in pages.
	std::ifstream statm("/proc/self/statm");
	long size = 0, resident = 0;
	statm >> size >> resident;
	return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

} // namespace

CoreEndpoints::CoreEndpoints(NodeIdentity node, PluginList plugins, MetricsRegistry& metrics):
	_node(std::move(node)),
	_plugins(std::move(plugins)),
	_metrics(metrics)
{
}

void CoreEndpoints::registerOn(Router& router)
{
	router.add("GET", "/", [this](Request&, Response& response) {
		auto body = json::object();
		body->set("message", "Node " + _node.id + " is running!");
		response.json(body);
	});

	router.add("GET", "/health", [](Request&, Response& response) {
		auto body = json::object();
		body->set("status", "ok");
		response.json(body);
	});

	router.add("GET", "/status", [this](Request&, Response& response) {
		auto body = json::object();
		body->set("id", _node.id);
		body->set("url", _node.advertisedUrl);
		body->set("version", std::string(coreVersion()));
		body->set("plugin_api_version", coreApiVersion());
		body->set("started_at", Poco::DateTimeFormatter::format(_started, Poco::DateTimeFormat::ISO8601_FORMAT));
		body->set("uptime_seconds", _started.elapsed() / 1000000);
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
	_metrics.gauge("process_resident_memory_bytes", "Resident memory of the node process.", {}, residentBytes);
}

} // namespace p2p
