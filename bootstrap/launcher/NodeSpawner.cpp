#include "NodeSpawner.h"
#include <Poco/Exception.h>
#include <Poco/Net/ServerSocket.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

namespace p2p::cluster {

int NodeSpawner::spawn(const std::string& binary, const std::vector<std::string>& args, const std::string& logFile)
{
	std::vector<char*> argv;
	argv.push_back(const_cast<char*>(binary.c_str()));
	for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
	argv.push_back(nullptr);

	const int log = ::open(logFile.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (log < 0) throw Poco::SystemException("cannot open " + logFile + ": " + std::strerror(errno));
	const pid_t pid = ::fork();
	if (pid < 0)
	{
		::close(log);
		throw Poco::SystemException(std::string("fork failed: ") + std::strerror(errno));
	}
	if (pid == 0)
	{
		// Child: only async-signal-safe calls until exec.
		::setsid();
		sigset_t none;
		sigemptyset(&none);
		::sigprocmask(SIG_SETMASK, &none, nullptr);
		const int devnull = ::open("/dev/null", O_RDONLY);
		if (devnull >= 0) ::dup2(devnull, 0);
		::dup2(log, 1);
		::dup2(log, 2);
		::execv(binary.c_str(), argv.data());
		_exit(127);
	}
	::close(log);
	return static_cast<int>(pid);
}

bool NodeSpawner::isNode(int pid)
{
	if (pid <= 0) return false;
	reap(pid);
	std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
	std::string field;
	std::string comm;
	std::string state;
	if (!(stat >> field >> comm >> state) || state == "Z") return false;
	std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline");
	std::string program;
	std::getline(cmdline, program, '\0');
	return program.size() >= 8 && program.compare(program.size() - 8, 8, "p2p-node") == 0;
}

void NodeSpawner::reap(int pid)
{
	int status;
	::waitpid(pid, &status, WNOHANG);
}

bool NodeSpawner::childExited(int pid)
{
	int status;
	const pid_t rc = ::waitpid(pid, &status, WNOHANG);
	return rc == pid || (rc < 0 && errno == ECHILD);
}

bool NodeSpawner::portFree(unsigned short port)
{
	try
	{
		Poco::Net::ServerSocket socket;
		// SO_REUSEADDR as the node itself binds: TIME_WAIT leftovers do not
		// stop a node from starting, only a listener does.
		socket.bind(Poco::Net::SocketAddress("127.0.0.1", port), true, false);
		return true;
	}
	catch (const Poco::Exception&)
	{
		return false;
	}
}

} // namespace p2p::cluster
