#include "TestSupport.h"
#include <Poco/File.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/NumberParser.h>
#include <Poco/Path.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/Random.h>
#include <Poco/StreamCopier.h>
#include <Poco/Stopwatch.h>
#include <Poco/TemporaryFile.h>
#include <Poco/Thread.h>
#include <sstream>
#include <stdexcept>

namespace p2p::test {

std::string binDir() { return P2P_TEST_BIN_DIR; }
std::string pluginDir() { return P2P_TEST_PLUGIN_DIR; }
std::string testPluginDir() { return P2P_TEST_EXTRA_PLUGIN_DIR; }
std::string sourceDir() { return P2P_TEST_SOURCE_DIR; }

TempDir::TempDir()
{
	Poco::Path path(Poco::TemporaryFile::tempName());
	path.makeDirectory();
	Poco::File(path).createDirectories();
	_path = path.toString();
}

TempDir::~TempDir()
{
	try
	{
		Poco::File(_path).remove(true);
	}
	catch (...)
	{
		// A test's leftovers in /tmp are not worth failing a destructor.
	}
}

HttpResult http(Poco::UInt16 port, const std::string& method, const std::string& path, const std::string& body,
                const std::string& contentType, const std::map<std::string, std::string>& headers)
{
	return httpTo("127.0.0.1", port, method, path, body, contentType, headers);
}

HttpResult httpTo(const std::string& host, Poco::UInt16 port, const std::string& method, const std::string& path,
                  const std::string& body, const std::string& contentType, const std::map<std::string, std::string>& headers)
{
	Poco::Net::HTTPClientSession session(host, port);
	session.setTimeout(Poco::Timespan(10, 0));
	Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
	for (const auto& [name, value] : headers) request.set(name, value);
	if (!body.empty() || method == "POST" || method == "PUT")
	{
		if (!contentType.empty()) request.setContentType(contentType);
		request.setContentLength(static_cast<std::streamsize>(body.size()));
	}
	session.sendRequest(request) << body;
	Poco::Net::HTTPResponse response;
	std::istream& in = session.receiveResponse(response);
	HttpResult result;
	result.status = response.getStatus();
	for (const auto& [name, value] : response) result.headers.add(name, value);
	std::ostringstream out;
	Poco::StreamCopier::copyStream(in, out);
	result.body = out.str();
	return result;
}

double metricValue(Poco::UInt16 port, const std::string& name)
{
	const std::string metrics = http(port, "GET", "/metrics").body;
	const std::string line = "\n" + name + " ";
	const auto at = metrics.find(line);
	if (at == std::string::npos) return -1;
	const auto value = at + line.size();
	return Poco::NumberParser::parseFloat(metrics.substr(value, metrics.find('\n', value) - value));
}

Poco::JSON::Object::Ptr jsonObject(const std::string& text)
{
	return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

ToolResult runTool(const std::string& name, const std::vector<std::string>& args, Poco::Timespan timeout)
{
	return runCommand(binDir() + "/" + name, args, {}, timeout);
}

int upClusterOnFreePorts(const std::string& dir, const std::vector<std::string>& args, ToolResult* up)
{
	Poco::Random random;
	random.seed();
	for (int attempt = 0; attempt < 10; ++attempt)
	{
		// Below the ephemeral range (32768 up), where the outgoing and
		// TIME_WAIT connections of earlier tests sit on ports.
		const int base = 10000 + static_cast<int>(random.next(22000));
		std::vector<std::string> all{"up", "--base-port", std::to_string(base), "--dir", dir};
		all.insert(all.end(), args.begin(), args.end());
		ToolResult result = runTool("p2p-cluster", all);
		if (result.status == 2 && result.output.find("already in use") != std::string::npos) continue;
		// std::runtime_error: CppUnit prints what(), which for POCO's exceptions is only their name.
		if (result.status != 0) throw std::runtime_error("p2p-cluster up failed:\n" + result.output);
		if (up) *up = result;
		return base;
	}
	throw std::runtime_error("p2p-cluster up found no free range of ports in 10 tries");
}

ToolResult runCommand(const std::string& program, const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& env, Poco::Timespan timeout)
{
	Poco::Pipe pipe;
	Poco::Process::Env environment(env.begin(), env.end());
	Poco::ProcessHandle handle = Poco::Process::launch(program, args, "", nullptr, &pipe, &pipe, environment);
	pipe.close(Poco::Pipe::CLOSE_WRITE);
	ToolResult result;
	Poco::Thread reader;
	reader.startFunc([&] {
		Poco::PipeInputStream in(pipe);
		std::ostringstream out;
		Poco::StreamCopier::copyStream(in, out);
		result.output = out.str();
	});
	int code = -1;
	const bool done = eventually([&] { return (code = handle.tryWait()) != -1; }, timeout);
	if (!done)
	{
		Poco::Process::kill(handle);
		handle.wait();
		reader.join();
		throw Poco::TimeoutException(program + " did not finish in time; its output:\n" + result.output);
	}
	reader.join();
	result.status = code;
	return result;
}

bool eventually(const std::function<bool()>& condition, Poco::Timespan timeout)
{
	Poco::Stopwatch clock;
	clock.start();
	while (true)
	{
		if (condition()) return true;
		if (clock.elapsed() > timeout.totalMicroseconds()) return false;
		Poco::Thread::sleep(10);
	}
}

} // namespace p2p::test
