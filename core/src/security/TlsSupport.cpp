#include "security/TlsSupport.h"
#include "p2p/Errors.h"
#include <Poco/Mutex.h>
#include <Poco/Path.h>
#include <Poco/SharedLibrary.h>
#include <dlfcn.h>

namespace p2p {

TlsSupport::~TlsSupport() = default;

namespace {

/// Where libp2p-core itself was loaded from: libp2p-tls.so is installed
/// beside it (build/lib in a build tree, the library directory installed).
std::string coreDirectory()
{
	Dl_info info{};
	if (::dladdr(reinterpret_cast<void*>(&coreDirectory), &info) == 0 || !info.dli_fname) return ".";
	return Poco::Path(info.dli_fname).parent().toString();
}

} // namespace

std::unique_ptr<TlsSupport> TlsSupport::load(const ClientSettings& client)
{
	// Loaded once and never unloaded: OpenSSL is not made to come and go.
	static Poco::FastMutex mutex;
	static Poco::SharedLibrary library;
	Poco::FastMutex::ScopedLock lock(mutex);
	const std::string path = coreDirectory() + "libp2p-tls.so";
	try
	{
		if (!library.isLoaded()) library.load(path);
		auto factory = reinterpret_cast<Factory>(library.getSymbol(kFactorySymbol));
		return std::unique_ptr<TlsSupport>(factory(&client));
	}
	catch (const Poco::Exception& exc)
	{
		throw StartupException("TLS (https.port, or an https peer) needs " + path + ", which cannot be used: " + exc.displayText());
	}
}

} // namespace p2p
