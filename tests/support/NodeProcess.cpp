#include "NodeProcess.h"
#include <Poco/Exception.h>
#include <Poco/PipeStream.h>
#include <Poco/RegularExpression.h>
#include <Poco/Stopwatch.h>
#include <csignal>
#include <sys/wait.h>

namespace p2p::test {

NodeProcess::NodeProcess(const std::vector<std::string>& args, const std::string& binary)
{
	std::vector<std::string> all{"-Dhttp.host=127.0.0.1", "-Dhttp.port=0", "-Dnode.data_dir=" + _data.path() + "node",
	                             "-Dlogging.loggers.root.level=information"};
	all.insert(all.end(), args.begin(), args.end());
	_handle = std::make_unique<Poco::ProcessHandle>(
		Poco::Process::launch(binary.empty() ? binDir() + "/p2p-node" : binary, all, nullptr, &_pipe, &_pipe));
	_pid = _handle->id();
	// The child has its own copy of the write end; closing ours lets the
	// reader see end-of-file when the child exits.
	_pipe.close(Poco::Pipe::CLOSE_WRITE);
	_reader.startFunc([this] { readOutput(); });
}

NodeProcess::~NodeProcess()
{
	try
	{
		if (running())
		{
			::kill(_pid, SIGKILL);
			waitForExit(Poco::Timespan(10, 0));
		}
	}
	catch (...)
	{
	}
	if (_reader.isRunning()) _reader.join();
}

void NodeProcess::readOutput()
{
	Poco::PipeInputStream in(_pipe);
	std::string line;
	while (std::getline(in, line))
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		_output += line;
		_output += '\n';
	}
}

std::string NodeProcess::output() const
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	return _output;
}

bool NodeProcess::waitForOutput(const std::string& text, Poco::Timespan timeout) const
{
	return eventually([&] { return output().find(text) != std::string::npos; }, timeout);
}

Poco::UInt16 NodeProcess::httpsPort() const
{
	if (!waitForOutput("https on port")) throw Poco::TimeoutException("the node logged no https port");
	Poco::RegularExpression pattern("https on port ([0-9]+)");
	std::vector<std::string> groups;
	if (pattern.split(output(), groups) != 2) throw Poco::DataFormatException("the node's https port line is unreadable");
	return static_cast<Poco::UInt16>(std::stoi(groups[1]));
}

bool NodeProcess::running()
{
	if (_exited) return false;
	int status = 0;
	const int rc = ::waitpid(_pid, &status, WNOHANG);
	if (rc == 0) return true;
	_exited = true;
	_exitCode = rc == _pid && WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return false;
}

Poco::UInt16 NodeProcess::waitUntilListening(Poco::Timespan timeout)
{
	Poco::RegularExpression listening("listening on port ([0-9]+)");
	std::vector<std::string> groups;
	const bool found = eventually(
		[&] { return listening.split(output(), groups) == 2 || !running(); }, timeout);
	if (!found || groups.size() != 2)
		throw Poco::TimeoutException("p2p-node did not start listening; its output:\n" + output());
	_port = static_cast<Poco::UInt16>(std::stoi(groups[1]));
	return _port;
}

void NodeProcess::terminate()
{
	if (running()) ::kill(_pid, SIGTERM);
}

int NodeProcess::waitForExit(Poco::Timespan timeout)
{
	if (!eventually([&] { return !running(); }, timeout))
		throw Poco::TimeoutException("p2p-node (pid " + std::to_string(_pid) + ") did not exit in time");
	// Its last lines may still be in the pipe: let the reader get to the end
	// before anyone looks at output(). Bounded, because a process that
	// daemonized leaves a child that may hold the pipe open.
	if (_reader.isRunning()) _reader.tryJoin(2000);
	return _exitCode;
}

} // namespace p2p::test
