#ifndef P2P_NodeProcess_INCLUDED
#define P2P_NodeProcess_INCLUDED

#include "TestSupport.h"
#include <Poco/Mutex.h>
#include <Poco/Pipe.h>
#include <Poco/Process.h>
#include <Poco/Thread.h>
#include <memory>
#include <string>
#include <vector>

namespace p2p::test {

/// A real p2p-node process started by a test. It listens on 127.0.0.1 on a
/// port the kernel picks (http.port=0; the port is read from its log), keeps
/// its data in a temp directory, and is killed when the object goes, whatever
/// the test did, so no test leaves a process behind.
class NodeProcess
{
public:
	/// args: extra command-line arguments, e.g. {"-Dplugins.load=messaging"};
	/// binary: another p2p-node than the build tree's (an installed one).
	explicit NodeProcess(const std::vector<std::string>& args, const std::string& binary = "");
	~NodeProcess();

	NodeProcess(const NodeProcess&) = delete;
	NodeProcess& operator=(const NodeProcess&) = delete;

	/// Waits for the "listening on port N" line; throws with the output when
	/// the node exits or does not get there in time.
	Poco::UInt16 waitUntilListening(Poco::Timespan timeout = Poco::Timespan(15, 0));

	/// Sends SIGTERM.
	void terminate();

	/// Waits for the process to end; returns its exit status, or throws
	/// Poco::TimeoutException.
	int waitForExit(Poco::Timespan timeout = Poco::Timespan(15, 0));

	bool running();
	int pid() const { return _pid; }
	Poco::UInt16 port() const { return _port; }
	const std::string& dataDir() const { return _data.path(); }

	/// Everything the process wrote to stdout and stderr so far.
	std::string output() const;
	/// Waits until the output contains text.
	bool waitForOutput(const std::string& text, Poco::Timespan timeout = Poco::Timespan(10, 0)) const;
	/// The https port the node logged it listens on (https.port=0 picks a
	/// free one); throws Poco::TimeoutException when it logs none.
	Poco::UInt16 httpsPort() const;

private:
	void readOutput();

	TempDir _data;
	Poco::Pipe _pipe;
	int _pid = -1;
	std::unique_ptr<Poco::ProcessHandle> _handle;
	int _exitCode = -1;
	bool _exited = false;
	Poco::UInt16 _port = 0;
	mutable Poco::FastMutex _mutex;
	std::string _output;
	Poco::Thread _reader;
};

} // namespace p2p::test

#endif
