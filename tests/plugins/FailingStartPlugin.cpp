// A plugin whose start() fails, as one would when its storage is unusable.
#include "p2p/Plugin.h"
#include <Poco/Exception.h>

namespace {

class FailingStartPlugin: public p2p::Plugin
{
public:
	std::string name() const override { return "failing-start"; }
	std::string version() const override { return "0.0.1"; }
	void start(p2p::NodeContext&) override { throw Poco::IOException("cannot open the test device"); }
	void stop() override {}
};

} // namespace

P2P_EXPORT_PLUGIN(FailingStartPlugin)
