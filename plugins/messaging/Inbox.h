#ifndef P2P_Messaging_Inbox_INCLUDED
#define P2P_Messaging_Inbox_INCLUDED

#include <Poco/Mutex.h>
#include <Poco/Timestamp.h>
#include <Poco/Types.h>
#include <deque>
#include <string>
#include <vector>

namespace p2p::messaging {

struct Message
{
	Poco::UInt64 sequence; ///< 1, 2, ... in arrival order, never reused
	std::string sender;
	std::string text;
	Poco::Timestamp received;
};

/// The most recent messages a node received, at most `capacity` of them:
/// the oldest is dropped when a new one arrives at a full inbox. Safe to use
/// from every HTTP thread at once (one mutex; operations are O(1) or O(n)
/// for a copy of n messages).
class Inbox
{
public:
	explicit Inbox(std::size_t capacity);

	/// Stores a message and returns its sequence number.
	Poco::UInt64 add(const std::string& sender, const std::string& text);

	/// Up to `limit` newest messages, oldest first.
	std::vector<Message> recent(std::size_t limit) const;

	std::size_t size() const;
	std::size_t capacity() const { return _capacity; }
	/// Messages ever received, including the ones dropped since.
	Poco::UInt64 total() const;

private:
	const std::size_t _capacity;
	mutable Poco::FastMutex _mutex;
	std::deque<Message> _messages;
	Poco::UInt64 _sequence = 0;
};

} // namespace p2p::messaging

#endif
