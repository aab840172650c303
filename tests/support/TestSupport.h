#ifndef P2P_TestSupport_INCLUDED
#define P2P_TestSupport_INCLUDED

#include <Poco/JSON/Object.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Timespan.h>
#include <Poco/Types.h>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace p2p::test {

/// Where the build put things (set by tests/CMakeLists.txt).
std::string binDir();
std::string pluginDir();
std::string testPluginDir();
std::string sourceDir();

/// A fresh directory under the system temp dir, removed with everything in
/// it when the object goes.
class TempDir
{
public:
	TempDir();
	~TempDir();
	TempDir(const TempDir&) = delete;
	TempDir& operator=(const TempDir&) = delete;

	const std::string& path() const { return _path; }
	std::string file(const std::string& name) const { return _path + name; }

private:
	std::string _path; ///< with a trailing slash
};

struct HttpResult
{
	int status = 0;
	std::string body;
	Poco::Net::NameValueCollection headers;
};

/// One HTTP exchange with host:port on a fresh connection.
HttpResult httpTo(const std::string& host, Poco::UInt16 port, const std::string& method, const std::string& path,
                  const std::string& body = "", const std::string& contentType = "application/json",
                  const std::map<std::string, std::string>& headers = {});

/// One HTTP exchange with 127.0.0.1:port on a fresh connection.
HttpResult http(Poco::UInt16 port, const std::string& method, const std::string& path, const std::string& body = "",
                const std::string& contentType = "application/json",
                const std::map<std::string, std::string>& headers = {});

struct ToolResult
{
	int status = -1;
	std::string output; ///< stdout and stderr together
};

/// The value of an unlabelled metric in the node's GET /metrics; -1 when
/// the node does not export it.
double metricValue(Poco::UInt16 port, const std::string& name);

/// The body of an answer as a JSON object (throws when it is not one).
Poco::JSON::Object::Ptr jsonObject(const std::string& text);

/// Runs a program to the end and collects what it printed; throws
/// Poco::TimeoutException (after killing it) when it takes too long.
ToolResult runCommand(const std::string& program, const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& env = {}, Poco::Timespan timeout = Poco::Timespan(60, 0));

/// runCommand() for one of the project's command-line tools (from binDir()).
ToolResult runTool(const std::string& name, const std::vector<std::string>& args,
                   Poco::Timespan timeout = Poco::Timespan(60, 0));

/// `p2p-cluster up --base-port B --dir dir <args>` on a random free range of
/// ports, trying other ranges while one is taken. Returns the base port;
/// throws Poco::RuntimeException with p2p-cluster's output when up fails.
int upClusterOnFreePorts(const std::string& dir, const std::vector<std::string>& args, ToolResult* up = nullptr);

/// Polls condition every few milliseconds until it holds or the timeout
/// passes; returns whether it held. The one way tests wait for anything.
bool eventually(const std::function<bool()>& condition, Poco::Timespan timeout = Poco::Timespan(10, 0));

} // namespace p2p::test

#endif
