#ifndef P2P_NodeApplication_INCLUDED
#define P2P_NodeApplication_INCLUDED

#include <Poco/Util/ServerApplication.h>
#include <functional>
#include <string>

namespace p2p {

/// p2p-node: reads its configuration (see NodeConfiguration for the
/// layers), runs a Node until SIGTERM/SIGINT, then shuts it down cleanly.
/// POCO's ServerApplication adds --daemon, --pidfile and --umask.
class NodeApplication: public Poco::Util::ServerApplication
{
public:
	NodeApplication();

protected:
	void defineOptions(Poco::Util::OptionSet& options) override;
	void initialize(Poco::Util::Application& self) override;
	int main(const std::vector<std::string>& args) override;

private:
	/// Waits for SIGINT, SIGTERM or SIGQUIT as ServerApplication does, and
	/// calls upkeep every upkeepMs meanwhile.
	void waitForTermination(long upkeepMs, const std::function<void()>& upkeep);
	void handleHelp(const std::string& name, const std::string& value);
	void handleVersion(const std::string& name, const std::string& value);
	void handleConfig(const std::string& name, const std::string& value);
	void handleDefine(const std::string& name, const std::string& value);
	/// The installed node.properties, or empty when there is none.
	std::string installedConfig() const;

	bool _exitEarly = false;
	std::string _configFile;
	std::string _startDirectory;
	std::string _startupError;
};

} // namespace p2p

#endif
