#include "p2p/Plugin.h"

namespace p2p {

// Defined here, not inline, so Plugin's type information lives in libp2p-core
// alone and the manifest check in every plugin library compares equal.
Plugin::~Plugin() = default;

std::string Plugin::configSection() const
{
	return name();
}

std::vector<std::string> Plugin::dependencies() const
{
	return {};
}

std::vector<std::string> Plugin::optionalDependencies() const
{
	return {};
}

} // namespace p2p
