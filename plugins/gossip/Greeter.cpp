#include "Greeter.h"
#include <algorithm>

namespace p2p::gossip {

Greeter::Greeter(GossipTransport& transport, Poco::Timespan timeout): _transport(transport), _timeout(timeout)
{
}

bool Greeter::plan(const Membership& view)
{
	if (_planned || !view.synced()) return false;
	std::vector<std::string> urls;
	for (const auto& member : view.members())
		if (member.state != MemberState::Dead) urls.push_back(member.url);
	if (urls.empty()) return false; // alone so far: whoever comes greets us
	std::mt19937 random{std::random_device{}()};
	std::shuffle(urls.begin(), urls.end(), random);
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		_urls.assign(urls.begin(), urls.end());
	}
	_planned = true;
	return true;
}

bool Greeter::pending() const
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	return !_urls.empty();
}

std::vector<GossipMessage> Greeter::greetNext(const GossipMessage& hello)
{
	std::vector<std::string> batch;
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		while (!_urls.empty() && batch.size() < kPerBatch)
		{
			batch.push_back(std::move(_urls.front()));
			_urls.pop_front();
		}
	}
	std::vector<GossipMessage> answers;
	for (const auto& url : batch)
	{
		++_sent;
		try
		{
			GossipMessage answer = _transport.exchange(url, hello, _timeout);
			if (answer.from) answers.push_back(std::move(answer));
		}
		catch (const Poco::Exception&)
		{
			++_failed; // a member gone since: nothing to greet
		}
	}
	return answers;
}

} // namespace p2p::gossip
