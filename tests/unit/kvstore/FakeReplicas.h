#ifndef P2P_Test_FakeReplicas_INCLUDED
#define P2P_Test_FakeReplicas_INCLUDED

#include "MemoryStore.h"
#include "Replicas.h"
#include "p2p/Errors.h"
#include <Poco/Event.h>
#include <map>
#include <mutex>
#include <set>

/// Other nodes' stores in memory, for testing quorum and rebalancing logic
/// without sockets: nodes can be taken down (they throw BadGatewayException
/// like an unreachable peer) or held (calls block until released).
class FakeReplicas: public p2p::kvstore::Replicas
{
public:
	using Owner = p2p::kvstore::Owner;
	using Entry = p2p::kvstore::Entry;

	p2p::kvstore::MemoryStore& node(const std::string& id)
	{
		std::lock_guard<std::mutex> lock(_mutex);
		return _nodes[id];
	}

	void down(const std::string& id)
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_down.insert(id);
	}

	/// Calls to id block until release().
	void hold(const std::string& id)
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_held.insert(id);
	}

	void release() { _released.set(); }

	int calls() const { return _calls; }

	std::optional<Entry> read(const Owner& owner, const std::string& key) override { return reach(owner).get(key); }

	void write(const Owner& owner, const std::string& key, const Entry& entry) override { reach(owner).apply(key, entry); }

	void push(const Owner& owner, const p2p::kvstore::KeyedEntries& entries) override
	{
		auto& store = reach(owner);
		for (const auto& [key, entry] : entries) store.apply(key, entry);
	}

private:
	p2p::kvstore::MemoryStore& reach(const Owner& owner)
	{
		bool held = false;
		{
			std::lock_guard<std::mutex> lock(_mutex);
			++_calls;
			if (_down.count(owner.id)) throw p2p::BadGatewayException("cannot reach node " + owner.id);
			held = _held.count(owner.id) > 0;
		}
		if (held) _released.wait();
		return node(owner.id);
	}

	std::mutex _mutex;
	std::map<std::string, p2p::kvstore::MemoryStore> _nodes;
	std::set<std::string> _down;
	std::set<std::string> _held;
	Poco::Event _released{Poco::Event::EVENT_MANUALRESET};
	std::atomic<int> _calls{0};
};

#endif
