#ifndef P2P_ServiceRegistry_INCLUDED
#define P2P_ServiceRegistry_INCLUDED

#include "p2p/Export.h"

#include <Poco/Mutex.h>
#include <map>
#include <memory>
#include <string>

namespace p2p {

/// Base of everything one plugin offers another (the ring's placement, the
/// membership view ...). A service's interface is declared in core/include/p2p
/// so that plugins share it without including each other's headers.
class P2P_API Service
{
public:
	virtual ~Service();
};

/// Services by name. A plugin provides its services in start() and the
/// plugins that require() it find them in their own start(), which the host
/// calls later. Thread-safe; lookups are meant for start-up, not hot paths:
/// keep the shared_ptr you get.
class P2P_API ServiceRegistry
{
public:
	/// Registers a service; throws Poco::ExistsException if the name is taken.
	void provide(const std::string& name, std::shared_ptr<Service> service);

	/// Removes a service (a plugin stopping).
	void withdraw(const std::string& name);

	/// The service, or null when nobody provides it.
	std::shared_ptr<Service> find(const std::string& name) const;

	/// The service as T, or null when nobody provides it or it is not a T.
	template <class T>
	std::shared_ptr<T> find(const std::string& name) const
	{
		return std::dynamic_pointer_cast<T>(find(name));
	}

private:
	mutable Poco::FastMutex _mutex;
	std::map<std::string, std::shared_ptr<Service>> _services;
};

} // namespace p2p

#endif
