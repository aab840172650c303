#include "BatchedWrites.h"
#include "ReplicaAnswer.h"
#include "p2p/Errors.h"
#include <algorithm>

namespace p2p::kvstore {

BatchedWrites::BatchedWrites(PeerClient& peers, std::string path): _peers(peers), _path(std::move(path))
{
}

void BatchedWrites::write(const Owner& owner, std::string entryJson, const Replicas::Via& via, Replicas::WriteDone done)
{
	std::vector<Pending> batch, expired;
	{
		std::lock_guard<std::mutex> lock(_mutex);
		Node& node = _nodes[owner.url];
		node.queued.push_back({std::move(entryJson), *via.loop, Poco::Timestamp() + via.within.totalMicroseconds(), std::move(done)});
		if (node.inFlight >= kWindow) return; // the next answer sends it
		batch = take(node, expired);
	}
	expire(owner, expired);
	if (!batch.empty()) send(owner, std::move(batch));
}

std::vector<BatchedWrites::Pending> BatchedWrites::take(Node& node, std::vector<Pending>& expired)
{
	std::vector<Pending> batch;
	std::size_t bytes = 0;
	const Poco::Timestamp now;
	while (!node.queued.empty() && batch.size() < kMaxEntries &&
	       (batch.empty() || bytes + node.queued.front().json.size() <= kMaxBytes))
	{
		Pending& next = node.queued.front();
		if (next.deadline <= now)
			expired.push_back(std::move(next)); // its round is over: it must not shorten the others' time
		else
		{
			bytes += next.json.size();
			batch.push_back(std::move(next));
		}
		node.queued.pop_front();
	}
	if (!batch.empty()) ++node.inFlight;
	return batch;
}

void BatchedWrites::expire(const Owner& owner, std::vector<Pending>& expired)
{
	if (expired.empty()) return;
	const GatewayTimeoutException late("node " + owner.id + " had no time left for a replica write queued behind others");
	for (auto& pending : expired) pending.done(&late);
}

void BatchedWrites::send(const Owner& owner, std::vector<Pending> batch)
{
	std::string body = "{\"entries\":[";
	// The latest deadline: a write near its end must not cut the time of the
	// fresh ones beside it (its round answers its client by its own).
	Poco::Timestamp deadline = batch.front().deadline;
	for (std::size_t i = 0; i < batch.size(); ++i)
	{
		if (i > 0) body += ',';
		body += batch[i].json;
		deadline = std::max(deadline, batch[i].deadline);
	}
	body += "]}";
	// Never 0, which would mean no limit.
	const Poco::Timespan within(std::max<Poco::Timestamp::TimeDiff>(deadline - Poco::Timestamp(), 1));
	const AnswerLater loop = batch.front().loop;
	auto shared = std::make_shared<std::vector<Pending>>(std::move(batch));
	auto called = std::make_shared<bool>(false); // the answer may come before sendAsync returns
	try
	{
		_peers.sendAsync(loop, owner.url, "POST", _path, body, "application/json", {},
		                 [this, owner, shared, called](PeerResponse* answer, const Poco::Exception* error) {
			                 *called = true;
			                 answered(owner, *shared, answer, error);
		                 },
		                 within);
	}
	catch (const Poco::Exception& exc)
	{
		if (!*called) answered(owner, *shared, nullptr, &exc); // a URL the ring should never have held
	}
}

void BatchedWrites::answered(const Owner& owner, std::vector<Pending>& batch, PeerResponse* answer,
                             const Poco::Exception* error)
{
	std::unique_ptr<Poco::Exception> refused;
	if (!error)
	{
		try
		{
			expectOk(owner, "a replica write", *answer);
		}
		catch (const Poco::Exception& exc)
		{
			refused.reset(exc.clone());
			error = refused.get();
		}
	}
	for (auto& pending : batch) pending.done(error);

	std::vector<Pending> next, expired;
	{
		std::lock_guard<std::mutex> lock(_mutex);
		Node& node = _nodes[owner.url];
		--node.inFlight;
		next = take(node, expired);
	}
	expire(owner, expired);
	if (!next.empty()) send(owner, std::move(next));
}

} // namespace p2p::kvstore
