#ifndef P2P_Tests_Gossip_RecordingTransport_INCLUDED
#define P2P_Tests_Gossip_RecordingTransport_INCLUDED

#include "GossipTransport.h"
#include "p2p/Errors.h"
#include <mutex>
#include <set>
#include <vector>

namespace p2p::gossip::test {

/// A transport that remembers what it was asked to send, answers each
/// exchange as the node at its URL (a message from that node), and throws
/// like an unreachable peer for the URLs marked down.
class RecordingTransport: public GossipTransport
{
public:
	struct Sent
	{
		std::string url;
		GossipMessage message;
	};

	GossipMessage exchange(const std::string& url, const GossipMessage& message, Poco::Timespan) override
	{
		record(_exchanges, url, message);
		GossipMessage answer;
		answer.from = Member{};
		answer.from->id = url;
		answer.from->url = url;
		return answer;
	}

	void rumour(const std::string& url, const GossipMessage& message, Poco::Timespan) override
	{
		record(_rumours, url, message);
	}

	bool probeVia(const std::string&, const Member&, Poco::Timespan) override { return false; }

	void down(const std::string& url)
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_down.insert(url);
	}

	std::vector<Sent> exchanges()
	{
		std::lock_guard<std::mutex> lock(_mutex);
		return _exchanges;
	}

	std::vector<Sent> rumours()
	{
		std::lock_guard<std::mutex> lock(_mutex);
		return _rumours;
	}

private:
	void record(std::vector<Sent>& into, const std::string& url, const GossipMessage& message)
	{
		std::lock_guard<std::mutex> lock(_mutex);
		into.push_back({url, message});
		if (_down.count(url)) throw p2p::BadGatewayException("cannot reach " + url);
	}

	std::mutex _mutex;
	std::set<std::string> _down;
	std::vector<Sent> _exchanges, _rumours;
};

/// A member alive at incarnation 1, its URL made from its id.
inline Member aliveMember(const std::string& id)
{
	Member member;
	member.id = id;
	member.url = "http://" + id + ":1";
	member.state = MemberState::Alive;
	member.incarnation = 1;
	return member;
}

} // namespace p2p::gossip::test

#endif
