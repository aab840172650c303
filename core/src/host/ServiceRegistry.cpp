#include "p2p/ServiceRegistry.h"
#include <Poco/Exception.h>

namespace p2p {

Service::~Service() = default;

void ServiceRegistry::provide(const std::string& name, std::shared_ptr<Service> service)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	if (!_services.emplace(name, std::move(service)).second)
		throw Poco::ExistsException("service '" + name + "' is already provided");
}

void ServiceRegistry::withdraw(const std::string& name)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	_services.erase(name);
}

std::shared_ptr<Service> ServiceRegistry::find(const std::string& name) const
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	auto it = _services.find(name);
	return it == _services.end() ? nullptr : it->second;
}

} // namespace p2p
