// A plugin that claims to be built against a future plugin API, standing in
// for a .so compiled with other headers. The host must refuse it by reading
// the exported version alone, before it creates the object.
#include "p2p/Plugin.h"

namespace {

class ApiMismatchPlugin: public p2p::Plugin
{
public:
	std::string name() const override { return "api-mismatch"; }
	std::string version() const override { return "9.9.9"; }
	void start(p2p::NodeContext&) override {}
	void stop() override {}
};

} // namespace

#undef P2P_PLUGIN_API_VERSION
#define P2P_PLUGIN_API_VERSION 999
P2P_EXPORT_PLUGIN(ApiMismatchPlugin)
