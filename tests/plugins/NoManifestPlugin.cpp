// Exports the API version but no POCO manifest: a half-made plugin.
#include "p2p/Plugin.h"

extern "C" POCO_LIBRARY_API int p2pPluginApiVersion()
{
	return P2P_PLUGIN_API_VERSION;
}
