// Runs the CppUnit suites linked into this executable: all of them, or the
// one named on the command line (CTest registers each suite on its own).
#include <cppunit/TextTestRunner.h>
#include <cppunit/extensions/TestFactoryRegistry.h>
#include <csignal>
#include <iostream>

int main(int argc, char** argv)
{
	std::signal(SIGPIPE, SIG_IGN);
	CppUnit::TextTestRunner runner;
	runner.addTest(CppUnit::TestFactoryRegistry::getRegistry().makeTest());
	const std::string suite = argc > 1 ? argv[1] : "";
	try
	{
		return runner.run(suite, false, true, false) ? 0 : 1;
	}
	catch (const std::invalid_argument& exc)
	{
		std::cerr << "no test suite named '" << suite << "': " << exc.what() << std::endl;
		return 2;
	}
}
