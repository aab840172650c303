// The plugin walked through in docs/writing-a-plugin.md. The tests build it
// and load it into a real node, so the guide cannot drift from what works.
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include "p2p/NodeContext.h"
#include "p2p/Plugin.h"
#include "p2p/Router.h"

namespace example {

class HelloPlugin: public p2p::Plugin
{
public:
	std::string name() const override { return "hello"; }
	std::string version() const override { return "1.0.0"; }

	void start(p2p::NodeContext& context) override
	{
		// hello.greeting in the node's properties; plain "greeting" here.
		_greeting = context.config().getString("greeting", "Hello");

		context.router().add("GET", "/hello/{name}", [this](p2p::Request& request, p2p::Response& response) {
			const std::string& name = request.param("name");
			if (name.size() > 64) throw p2p::BadRequestException("name is longer than 64 bytes");
			auto body = p2p::json::object();
			body->set("greeting", _greeting + ", " + name + "!");
			response.json(body);
		});
		context.logger().information("hello plugin ready, greeting '%s'", _greeting);
	}

	void stop() override {}

private:
	std::string _greeting;
};

} // namespace example

P2P_EXPORT_PLUGIN(example::HelloPlugin)
