// Test-only endpoints for the integration tests:
//   GET /testkit/slow?ms=N  answers after N milliseconds (shutdown draining)
//   GET /testkit/throw      throws an unexpected exception (500 mapping)
// and the "testkit" service used by testkit-client.
#include "TestkitService.h"
#include "p2p/Json.h"
#include "p2p/NodeContext.h"
#include "p2p/Plugin.h"
#include "p2p/Router.h"
#include <Poco/NumberParser.h>
#include <Poco/Thread.h>
#include <stdexcept>

// The same plugin built twice, as 0.1.0 and 0.2.0 (libp2p-testkit-v2.so), for the upgrade test.
#ifndef TESTKIT_VERSION
#define TESTKIT_VERSION "0.1.0"
#endif

namespace {

class Greeter: public p2p::test::TestkitService
{
public:
	std::string greeting() const override { return "hello from testkit"; }
};

class TestkitPlugin: public p2p::Plugin
{
public:
	std::string name() const override { return "testkit"; }
	std::string version() const override { return TESTKIT_VERSION; }

	void start(p2p::NodeContext& context) override
	{
		_context = &context;
		context.services().provide("testkit", std::make_shared<Greeter>());
		context.router().add("GET", "/testkit/slow", [](p2p::Request& request, p2p::Response& response) {
			Poco::Thread::sleep(static_cast<long>(Poco::NumberParser::parseUnsigned(request.query("ms", "100"))));
			auto body = p2p::json::object();
			body->set("slept_ms", request.query("ms", "100"));
			response.json(body);
		});
		context.router().add("GET", "/testkit/throw", [](p2p::Request&, p2p::Response&) {
			throw std::runtime_error("secret internal detail");
		});
	}

	void stop() override
	{
		_context->services().withdraw("testkit");
		_context->logger().information("testkit stopped");
	}

private:
	p2p::NodeContext* _context = nullptr;
};

} // namespace

P2P_EXPORT_PLUGIN(TestkitPlugin)
