// Requires testkit and uses its service in start(): it can only start when
// the host orders plugins by their requirements. GET /testkit-client says
// what it got.
#include "TestkitService.h"
#include "p2p/Json.h"
#include "p2p/NodeContext.h"
#include "p2p/Plugin.h"
#include "p2p/Router.h"
#include <Poco/Exception.h>

namespace {

class TestkitClientPlugin: public p2p::Plugin
{
public:
	std::string name() const override { return "testkit-client"; }
	std::string version() const override { return "0.1.0"; }
	std::vector<std::string> dependencies() const override { return {"testkit"}; }

	void start(p2p::NodeContext& context) override
	{
		auto service = context.services().find<p2p::test::TestkitService>("testkit");
		if (!service) throw Poco::IllegalStateException("the testkit service is not there");
		_greeting = service->greeting();
		context.router().add("GET", "/testkit-client", [this](p2p::Request&, p2p::Response& response) {
			auto body = p2p::json::object();
			body->set("greeting", _greeting);
			response.json(body);
		});
	}

	void stop() override {}

private:
	std::string _greeting;
};

} // namespace

P2P_EXPORT_PLUGIN(TestkitClientPlugin)
