#ifndef P2P_Messaging_MessagingPlugin_INCLUDED
#define P2P_Messaging_MessagingPlugin_INCLUDED

#include "Inbox.h"
#include "p2p/Plugin.h"
#include "p2p/Router.h"
#include <memory>

namespace p2p {
class Counter;
}

namespace p2p::messaging {

/// Receives messages from other nodes (POST /message) and keeps the most
/// recent ones in an inbox (GET /messages). Handlers run on HTTP threads;
/// the inbox locks for itself and the rest is set once in start().
class MessagingPlugin: public Plugin
{
public:
	std::string name() const override;
	std::string version() const override;
	void start(NodeContext& context) override;
	void stop() override;

private:
	void receive(Request& request, Response& response);
	void list(Request& request, Response& response);

	NodeContext* _context = nullptr;
	std::unique_ptr<Inbox> _inbox;
	std::size_t _maxMessageBytes = 0;
	Counter* _received = nullptr;
};

} // namespace p2p::messaging

#endif
