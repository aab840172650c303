#include "NodeApplication.h"
#include "node/Node.h"
#include "support/NodeConfiguration.h"
#include "p2p/Errors.h"
#include "p2p/Version.h"
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/IntValidator.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionCallback.h>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <unistd.h>

using Poco::Util::Option;
using Poco::Util::OptionCallback;

namespace p2p {

NodeApplication::NodeApplication():
	_startDirectory(Poco::Path::current())
{
	setUnixOptions(true);
}

void NodeApplication::defineOptions(Poco::Util::OptionSet& options)
{
	ServerApplication::defineOptions(options);
	options.addOption(Option("help", "h", "Show this help and exit.")
	                      .required(false)
	                      .repeatable(false)
	                      .callback(OptionCallback<NodeApplication>(this, &NodeApplication::handleHelp)));
	options.addOption(Option("version", "v", "Show the version of p2p-node and its plugin API, and exit.")
	                      .required(false)
	                      .repeatable(false)
	                      .callback(OptionCallback<NodeApplication>(this, &NodeApplication::handleVersion)));
	options.addOption(Option("config", "c", "Read the node's settings from this .properties file.")
	                      .required(false)
	                      .repeatable(false)
	                      .argument("FILE")
	                      .callback(OptionCallback<NodeApplication>(this, &NodeApplication::handleConfig)));
	options.addOption(Option("define", "D", "Set a property, overriding the file and the environment "
	                                        "(repeatable), e.g. -Dhttp.port=5001.")
	                      .required(false)
	                      .repeatable(true)
	                      .argument("key=value")
	                      .callback(OptionCallback<NodeApplication>(this, &NodeApplication::handleDefine)));
}

void NodeApplication::handleHelp(const std::string&, const std::string&)
{
	Poco::Util::HelpFormatter help(options());
	help.setCommand(commandName());
	help.setUsage("[--config FILE] [-Dkey=value ...] [--daemon [--pidfile FILE]]");
	help.setHeader("Runs one node of a p2p-node network. What the node serves is decided by the plugins its "
	               "configuration loads (plugins.load). Settings are layered: -D overrides, then P2P_<SECTION>_<SETTING> "
	               "environment variables, then the --config file.");
	help.setFooter("Stop the node with SIGTERM or Ctrl-C; it finishes requests in flight first. "
	               "See config/node.properties for every setting and its default.");
	help.format(std::cout);
	stopOptionsProcessing();
	_exitEarly = true;
}

void NodeApplication::handleVersion(const std::string&, const std::string&)
{
	std::cout << "p2p-node " << coreVersion() << " (plugin API " << coreApiVersion() << ")" << std::endl;
	stopOptionsProcessing();
	_exitEarly = true;
}

void NodeApplication::handleConfig(const std::string&, const std::string& value)
{
	// Made absolute now: with --daemon the process changes to / before it
	// reads the file.
	_configFile = Poco::Path(_startDirectory).resolve(Poco::Path(value)).toString();
}

std::string NodeApplication::installedConfig() const
{
	// An installed node finds <sysconfdir>/p2p-node/node.properties beside
	// its own bin/ (/usr/bin/p2p-node -> /etc/p2p-node); a node in the build
	// tree finds nothing there and runs on defaults and -D.
	Poco::Path file(config().getString("application.dir"));
	file.makeDirectory();
	const Poco::Path relative(std::string(P2P_CONFIG_DIR_FROM_BIN) + "/");
	for (int i = 0; i < relative.depth(); ++i)
	{
		if (relative[i] == "..") file.popDirectory();
		else file.pushDirectory(relative[i]);
	}
	file.setFileName("node.properties");
	const std::string path = file.toString();
	return Poco::File(path).exists() ? path : std::string();
}

void NodeApplication::handleDefine(const std::string&, const std::string& value)
{
	const auto [key, text] = NodeConfiguration::parseDefine(value);
	config().setString(key, text);
}

void NodeApplication::initialize(Poco::Util::Application& self)
{
	if (!_exitEarly)
	{
		if (_configFile.empty()) _configFile = installedConfig();
		try
		{
			NodeConfiguration::layer(config(), _configFile, NodeConfiguration::processEnvironment());
		}
		catch (const Poco::Exception& exc)
		{
			// Reported by main() through the logger, once logging is up with
			// its defaults, like every other start-up error.
			_startupError = exc.message();
			config().add(NodeConfiguration::defaults(), NodeConfiguration::kDefaultsPriority, false);
		}
		// Relative paths in the configuration mean relative to where the
		// node was started, also after --daemon has moved it to /.
		if (Poco::Path::current() != _startDirectory && chdir(_startDirectory.c_str()) != 0)
			throw StartupException("cannot return to the start directory " + _startDirectory);
	}
	ServerApplication::initialize(self);
}

void NodeApplication::waitForTermination(long upkeepMs, const std::function<void()>& upkeep)
{
	// ServerApplication::waitForTerminationRequest() with a timeout: the
	// same signals, blocked in every thread since main().
	sigset_t signals;
	sigemptyset(&signals);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGQUIT);
	sigaddset(&signals, SIGTERM);
	sigprocmask(SIG_BLOCK, &signals, nullptr);
	const timespec period{upkeepMs / 1000, (upkeepMs % 1000) * 1000000};
	while (true)
	{
		const int signal = sigtimedwait(&signals, nullptr, &period);
		if (signal > 0) return;
		if (errno == EAGAIN) upkeep(); // the period passed; EINTR: wait again
	}
}

int NodeApplication::main(const std::vector<std::string>&)
{
	if (_exitEarly) return EXIT_OK;
	std::unique_ptr<Node> node;
	try
	{
		if (!_startupError.empty()) throw StartupException(_startupError);
		node = std::make_unique<Node>(config(), config().getString("application.dir"));
		node->start();
	}
	catch (const Poco::Exception& exc)
	{
		// One line the operator can act on; the exit status tells scripts.
		logger().fatal(exc.message().empty() ? exc.displayText() : exc.message());
		return EXIT_CONFIG;
	}
	logger().information("node %s listening on port %hu as %s (configuration: %s)", node->identity().id, node->port(),
	                     node->identity().advertisedUrl, _configFile.empty() ? std::string("defaults and -D only") : _configFile);
	if (node->httpsPort() != 0) logger().information("node %s serving https on port %hu", node->identity().id, node->httpsPort());
	// Every 30 s: what a burst of work (a forming network) freed goes back
	// to the system.
	waitForTermination(30000, [&node] { node->housekeep(); });
	logger().information("stopping");
	if (!node->stop())
	{
		// Threads are still inside plugin code: destructors would pull the
		// plugins out from under them. Leave now, with a status that says so.
		logger().fatal("stopped with requests stuck in their handlers");
		std::_Exit(EXIT_SOFTWARE);
	}
	logger().information("stopped");
	return EXIT_OK;
}

} // namespace p2p
