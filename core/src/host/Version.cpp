#include "p2p/Version.h"

namespace p2p {

const char* coreVersion()
{
	return P2P_VERSION;
}

int coreApiVersion()
{
	return P2P_PLUGIN_API_VERSION;
}

} // namespace p2p
