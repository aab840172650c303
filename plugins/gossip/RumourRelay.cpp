#include "RumourRelay.h"
#include <Poco/UUIDGenerator.h>

namespace p2p::gossip {

RumourRelay::RumourRelay(const Membership& view, GossipTransport& transport, Settings settings):
	_view(view), _transport(transport), _settings(settings)
{
}

void RumourRelay::relay(const GossipMessage& message, const Member& from)
{
	if (message.ttl <= 0 && message.peers.empty()) return; // not a rumour
	// The members' URLs, read once for both uses of the peers named.
	std::set<std::string> members;
	if (!message.peers.empty())
	{
		for (const auto& member : _view.members()) members.insert(member.url);
		remember(message.peers, members);
	}
	const std::string id =
		message.id.empty() ? Poco::UUIDGenerator::defaultGenerator().createRandom().toString() : message.id;
	if (!_seen.firstSight(id))
		++_droppedDuplicate;
	else if (std::min(message.ttl, _settings.maxTtl) <= 0)
		++_droppedTtl;
	else
		forward(message, id, from, members);
}

void RumourRelay::remember(const std::vector<std::string>& peers, const std::set<std::string>& known)
{
	const std::string& selfUrl = _view.self().advertisedUrl;
	Poco::FastMutex::ScopedLock lock(_mutex);
	for (const auto& url : peers)
		if (url != selfUrl && !known.count(url) && _introductions.size() < kMaxIntroductions) _introductions.insert(url);
}

void RumourRelay::forward(const GossipMessage& message, const std::string& id, const Member& from,
                          const std::set<std::string>& members)
{
	const std::string sender = message.from ? message.from->id : std::string();
	std::vector<Member> targets;
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		targets = _view.sample(_settings.fanout, _random, [&sender](const Member& member) {
			return member.state == MemberState::Alive && member.id != sender;
		});
	}
	if (targets.empty()) return;
	GossipMessage onward;
	onward.id = id;
	onward.ttl = std::min(message.ttl, _settings.maxTtl) - 1;
	onward.from = from;
	const std::string& selfUrl = _view.self().advertisedUrl;
	for (const auto& url : message.peers)
		if (members.count(url) || url == selfUrl) onward.peers.push_back(url);
	if (onward.peers.empty()) onward.peers.push_back(selfUrl); // still a rumour to its receivers
	Poco::FastMutex::ScopedLock lock(_mutex);
	for (const auto& peer : targets)
	{
		if (_outbox.size() >= kMaxOutbox) break;
		_outbox.emplace_back(peer.url, onward);
	}
}

std::vector<std::string> RumourRelay::takeIntroductions(std::size_t most)
{
	std::vector<std::string> urls;
	Poco::FastMutex::ScopedLock lock(_mutex);
	while (!_introductions.empty() && urls.size() < most)
	{
		urls.push_back(*_introductions.begin());
		_introductions.erase(_introductions.begin());
	}
	return urls;
}

bool RumourRelay::hasOutbox() const
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	return !_outbox.empty();
}

void RumourRelay::flush()
{
	std::deque<std::pair<std::string, GossipMessage>> batch;
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		while (!_outbox.empty() && batch.size() < kFlushBatch)
		{
			batch.push_back(std::move(_outbox.front()));
			_outbox.pop_front();
		}
	}
	for (const auto& [url, message] : batch)
	{
		++_sent;
		try
		{
			_transport.rumour(url, message, _settings.timeout);
		}
		catch (const Poco::Exception&)
		{
			++_failed;
		}
	}
}

RumourRelay::Stats RumourRelay::stats() const
{
	Stats s;
	s.sent = _sent;
	s.failed = _failed;
	s.droppedTtl = _droppedTtl;
	s.droppedDuplicate = _droppedDuplicate;
	return s;
}

} // namespace p2p::gossip
