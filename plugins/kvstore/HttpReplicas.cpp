#include "HttpReplicas.h"
#include "EntryCodec.h"
#include "PoolJob.h"
#include "ReplicaAnswer.h"
#include "TreeExchange.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include <Poco/URI.h>

namespace p2p::kvstore {

namespace {

std::string entryPath(const std::string& key)
{
	std::string encoded;
	Poco::URI::encode(key, "/?#%+&= ", encoded);
	return HttpReplicas::kEntryPath + encoded;
}

/// The entry in a replica's answer to a read; empty for a 404.
std::optional<Entry> entryOf(const Owner& owner, const PeerResponse& answer)
{
	if (answer.status == 404) return std::nullopt;
	expectOk(owner, "a replica read", answer);
	try
	{
		return EntryCodec::fromJson(*json::asObject(json::parse(answer.body))).second;
	}
	catch (const BadRequestException& exc)
	{
		throw BadGatewayException("node " + owner.id + " sent a malformed entry: " + exc.message());
	}
}

} // namespace

Replicas::~Replicas() = default;

HttpReplicas::HttpReplicas(PeerClient& peers, Poco::ThreadPool& pool):
	_peers(peers),
	_pool(pool),
	_batches(peers, kBatchPath)
{
}

namespace {

/// The loops do not speak TLS: an https peer is waited for on the pool.
bool fromLoop(const Owner& owner, const Replicas::Via& via)
{
	return via.loop && owner.url.compare(0, 8, "https://") != 0;
}

} // namespace

void HttpReplicas::exchange(const Owner& owner, const std::string& method, const std::string& path, std::string body,
                            const Via& via, Answered answered)
{
	const std::string type = "application/json";
	if (fromLoop(owner, via))
	{
		auto called = std::make_shared<bool>(false); // the answer may come before sendAsync returns
		try
		{
			_peers.sendAsync(*via.loop, owner.url, method, path, body, type, {},
			                 [answered, called](PeerResponse* answer, const Poco::Exception* error) {
				                 *called = true;
				                 answered(answer, error);
			                 },
			                 via.within);
		}
		catch (const Poco::Exception& exc)
		{
			if (!*called) answered(nullptr, &exc); // a URL the ring should never have held
		}
		return;
	}
	PoolJob::start(_pool, [this, owner, method, path, body = std::move(body), type, answered = std::move(answered)] {
		PeerResponse answer;
		try
		{
			answer = _peers.send(owner.url, method, path, body, type);
		}
		catch (const Poco::Exception& exc)
		{
			answered(nullptr, &exc);
			return;
		}
		answered(&answer, nullptr);
	});
}

void HttpReplicas::read(const Owner& owner, const std::string& key, const Via& via, ReadDone done)
{
	exchange(owner, "GET", entryPath(key), "", via, [owner, done = std::move(done)](PeerResponse* answer, const Poco::Exception* error) {
		if (error) return done(std::nullopt, error);
		std::optional<Entry> entry;
		try
		{
			entry = entryOf(owner, *answer);
		}
		catch (const Poco::Exception& exc)
		{
			return done(std::nullopt, &exc);
		}
		done(std::move(entry), nullptr);
	});
}

void HttpReplicas::write(const Owner& owner, const std::string& key, const Entry& entry, const Via& via, WriteDone done)
{
	if (fromLoop(owner, via)) return _batches.write(owner, json::stringify(EntryCodec::toJson(key, entry)), via, std::move(done));
	exchange(owner, "PUT", entryPath(key), json::stringify(EntryCodec::toJson(key, entry)), via,
	         [owner, done = std::move(done)](PeerResponse* answer, const Poco::Exception* error) {
		         if (error) return done(error);
		         try
		         {
			         expectOk(owner, "a replica write", *answer);
		         }
		         catch (const Poco::Exception& exc)
		         {
			         return done(&exc);
		         }
		         done(nullptr);
	         });
}

void HttpReplicas::push(const Owner& owner, const KeyedEntries& entries)
{
	Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
	for (const auto& [key, entry] : entries) list->add(EntryCodec::toJson(key, entry));
	auto body = json::object();
	body->set("entries", list);
	const PeerResponse answer = _peers.sendJson(owner.url, "POST", kBatchPath, body);
	_syncBytes += answer.bytesSent + answer.bytesReceived;
	expectOk(owner, "a batch of " + std::to_string(entries.size()) + " entries", answer);
}

TreeAnswer HttpReplicas::ask(const Owner& owner, const TreeQuestion& question)
{
	const PeerResponse answer = _peers.sendJson(owner.url, "POST", kTreePath, question.toJson());
	_syncBytes += answer.bytesSent + answer.bytesReceived;
	expectOk(owner, "an anti-entropy step", answer);
	try
	{
		return TreeAnswer::fromJson(*json::asObject(json::parse(answer.body)));
	}
	catch (const BadRequestException& exc)
	{
		throw BadGatewayException("node " + owner.id + " answered an anti-entropy step with " + exc.message());
	}
}

} // namespace p2p::kvstore
