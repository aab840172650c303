#include "MessagingPlugin.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include "p2p/LogText.h"
#include "p2p/Metrics.h"
#include "p2p/NodeContext.h"
#include "p2p/Settings.h"
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/NumberParser.h>

namespace p2p::messaging {

namespace {

constexpr std::size_t kMaxSenderBytes = 128;

} // namespace

std::string MessagingPlugin::name() const
{
	return "messaging";
}

std::string MessagingPlugin::version() const
{
	return "1.0.0";
}

void MessagingPlugin::start(NodeContext& context)
{
	_context = &context;
	const int inboxSize = settings::getInt(context.config(), name(), "inbox_size", 100, 1, 1000000);
	const int maxMessageBytes = settings::getInt(context.config(), name(), "max_message_bytes", 64 * 1024, 1, 16 * 1024 * 1024);
	_inbox = std::make_unique<Inbox>(static_cast<std::size_t>(inboxSize));
	_maxMessageBytes = static_cast<std::size_t>(maxMessageBytes);

	_received = &context.metrics().counter("p2p_messaging_received_total", "Messages received with POST /message.");
	context.metrics().gauge("p2p_messaging_inbox_messages", "Messages held in the inbox.", {},
	                        [inbox = _inbox.get()] { return static_cast<double>(inbox->size()); });

	// Both answer from the inbox in memory: on the connection's event loop.
	RouteOptions json;
	json.body = Body::Json;
	json.runs = Runs::Loop;
	// The body holds the message plus a little JSON around it.
	json.maxBodyBytes = static_cast<std::streamsize>(_maxMessageBytes + kMaxSenderBytes + 1024);
	context.router().add("POST", "/message", [this](Request& rq, Response& rs) { receive(rq, rs); }, json);
	RouteOptions quick;
	quick.runs = Runs::Loop;
	context.router().add("GET", "/messages", [this](Request& rq, Response& rs) { list(rq, rs); }, quick);
}

void MessagingPlugin::stop()
{
	// Nothing runs in the background; the inbox goes with the plugin.
}

void MessagingPlugin::receive(Request& request, Response& response)
{
	auto body = request.jsonObject();
	const std::string sender = json::requireString(*body, "sender_id");
	const std::string text = json::requireString(*body, "message");
	if (sender.empty()) throw BadRequestException("field 'sender_id' must not be empty");
	if (sender.size() > kMaxSenderBytes)
		throw BadRequestException("field 'sender_id' is longer than " + std::to_string(kMaxSenderBytes) + " bytes");
	if (text.size() > _maxMessageBytes)
		throw PayloadTooLargeException("field 'message' is longer than messaging.max_message_bytes = " +
		                               std::to_string(_maxMessageBytes) + " bytes");

	_inbox->add(sender, text);
	_received->inc();
	_context->logger().information("Received message from " + printable(sender) + ": " + printable(text));

	auto answer = json::object();
	answer->set("status", "received");
	response.json(answer);
}

void MessagingPlugin::list(Request& request, Response& response)
{
	std::size_t limit = _inbox->capacity();
	if (request.hasQuery("limit"))
	{
		unsigned value = 0;
		if (!Poco::NumberParser::tryParseUnsigned(request.query("limit"), value) || value == 0)
			throw BadRequestException("query parameter 'limit' must be a positive whole number");
		limit = value;
	}
	Poco::JSON::Array::Ptr messages = new Poco::JSON::Array;
	for (const auto& message : _inbox->recent(limit))
	{
		auto item = json::object();
		item->set("sequence", message.sequence);
		item->set("sender_id", message.sender);
		item->set("message", message.text);
		item->set("received_at", Poco::DateTimeFormatter::format(message.received, Poco::DateTimeFormat::ISO8601_FRAC_FORMAT));
		messages->add(item);
	}
	auto answer = json::object();
	answer->set("messages", messages);
	answer->set("count", messages->size());
	answer->set("total_received", _inbox->total());
	response.json(answer);
}

} // namespace p2p::messaging

P2P_EXPORT_PLUGIN(p2p::messaging::MessagingPlugin)
