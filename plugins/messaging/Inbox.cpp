#include "Inbox.h"
#include <Poco/Exception.h>

namespace p2p::messaging {

Inbox::Inbox(std::size_t capacity): _capacity(capacity)
{
	if (capacity == 0) throw Poco::InvalidArgumentException("the inbox needs room for at least one message");
}

Poco::UInt64 Inbox::add(const std::string& sender, const std::string& text)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	if (_messages.size() == _capacity) _messages.pop_front();
	_messages.push_back({++_sequence, sender, text, Poco::Timestamp()});
	return _sequence;
}

std::vector<Message> Inbox::recent(std::size_t limit) const
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	const std::size_t count = std::min(limit, _messages.size());
	return std::vector<Message>(_messages.end() - static_cast<std::ptrdiff_t>(count), _messages.end());
}

std::size_t Inbox::size() const
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	return _messages.size();
}

Poco::UInt64 Inbox::total() const
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	return _sequence;
}

} // namespace p2p::messaging
