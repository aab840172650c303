// The runner for suites that need Linux network namespaces: where this
// process may not create them (not root, no iproute2), it says why and exits
// 77, which CTest reports as skipped (SKIP_RETURN_CODE), not as passed.
#include <Poco/Exception.h>
#include <Poco/Process.h>
#include <cppunit/TextTestRunner.h>
#include <cppunit/extensions/TestFactoryRegistry.h>
#include <csignal>
#include <iostream>
#include <unistd.h>

namespace {

bool namespacesAvailable(std::string& why)
{
	if (::geteuid() != 0)
	{
		why = "not root";
		return false;
	}
	const std::string probe = "p2p-probe-" + std::to_string(::getpid());
	try
	{
		if (Poco::Process::launch("/usr/sbin/ip", {"netns", "add", probe}).wait() != 0)
		{
			why = "ip netns add failed";
			return false;
		}
		Poco::Process::launch("/usr/sbin/ip", {"netns", "del", probe}).wait();
		return true;
	}
	catch (const Poco::Exception& exc)
	{
		why = exc.displayText();
		return false;
	}
}

} // namespace

int main(int argc, char** argv)
{
	std::signal(SIGPIPE, SIG_IGN);
	std::string why;
	if (!namespacesAvailable(why))
	{
		std::cout << "SKIPPED: network namespaces are not available here (" << why << ")" << std::endl;
		return 77;
	}
	CppUnit::TextTestRunner runner;
	runner.addTest(CppUnit::TestFactoryRegistry::getRegistry().makeTest());
	return runner.run(argc > 1 ? argv[1] : "", false, true, false) ? 0 : 1;
}
