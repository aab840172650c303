#ifndef P2P_Test_FakeReplicas_INCLUDED
#define P2P_Test_FakeReplicas_INCLUDED

#include "MemoryStore.h"
#include "Replicas.h"
#include "TreeExchange.h"
#include "p2p/Json.h"
#include "p2p/Errors.h"
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <vector>

/// Other nodes' stores in memory, for testing quorum and rebalancing logic
/// without sockets: nodes can be taken down (they fail with
/// BadGatewayException like an unreachable peer) or held (their answers
/// wait until release(), which gives them on its own thread).
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

	/// Calls to id fail as a node that does not answer in time.
	void timeOut(const std::string& id)
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_slow.insert(id);
	}

	/// Calls to id wait until release().
	void hold(const std::string& id)
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_held.insert(id);
	}

	/// Answers the held calls, here, as their nodes are now (down or not),
	/// and lets later ones through.
	void release()
	{
		std::vector<std::function<void()>> waiting;
		{
			std::lock_guard<std::mutex> lock(_mutex);
			_held.clear();
			waiting.swap(_waiting);
		}
		for (auto& answer : waiting) answer();
	}

	int calls() const { return _calls; }
	/// The longest and shortest time limits calls were given.
	Poco::Timespan longestWithin() const { return _longest; }
	Poco::Timespan shortestWithin() const { return _shortest; }

	void read(const Owner& owner, const std::string& key, const Via& via, ReadDone done) override
	{
		reach(owner, via, [this, owner, key, done](const Poco::Exception* down) {
			if (down) return done(std::nullopt, down);
			done(node(owner.id).get(key), nullptr);
		});
	}

	void write(const Owner& owner, const std::string& key, const Entry& entry, const Via& via, WriteDone done) override
	{
		reach(owner, via, [this, owner, key, entry, done](const Poco::Exception* down) {
			if (!down) node(owner.id).apply(key, entry);
			done(down);
		});
	}

	void push(const Owner& owner, const p2p::kvstore::KeyedEntries& entries) override
	{
		{
			std::lock_guard<std::mutex> lock(_mutex);
			++_calls;
			if (_down.count(owner.id)) throw p2p::BadGatewayException("cannot reach node " + owner.id);
		}
		auto& store = node(owner.id);
		for (const auto& [key, entry] : entries)
		{
			store.apply(key, entry);
			_syncBytes += key.size() + entry.value.size() + entry.node.size() + 40;
		}
	}

	/// The ring the nodes' anti-entropy answers by (for ask()).
	void setPlacement(std::shared_ptr<const p2p::Placement> placement, std::size_t replicas)
	{
		_placement = std::move(placement);
		_replicas = replicas;
	}

	p2p::kvstore::TreeAnswer ask(const Owner& owner, const p2p::kvstore::TreeQuestion& question) override
	{
		{
			std::lock_guard<std::mutex> lock(_mutex);
			++_calls;
			if (_down.count(owner.id)) throw p2p::BadGatewayException("cannot reach node " + owner.id);
		}
		// The owner's side, as its node runs it, on its store.
		p2p::kvstore::SharedKeys keys(node(owner.id), owner.id, _placement, _replicas);
		p2p::kvstore::TreeResponder responder(keys, node(owner.id));
		auto answer = responder.answer(question);
		_syncBytes += p2p::json::stringify(question.toJson()).size() + p2p::json::stringify(answer.toJson()).size();
		return answer;
	}

	Poco::UInt64 syncBytes() const override { return _syncBytes; }

private:
	std::shared_ptr<const p2p::Placement> _placement;
	std::size_t _replicas = 3;
	std::atomic<Poco::UInt64> _syncBytes{0};

	/// Runs answer now, later (held), or with the failure of a node that is
	/// down or slow.
	void reach(const Owner& owner, const Via& via, std::function<void(const Poco::Exception*)> answer)
	{
		bool down = false;
		bool slow = false;
		{
			std::lock_guard<std::mutex> lock(_mutex);
			++_calls;
			if (via.within > _longest) _longest = via.within;
			if (_shortest == 0 || via.within < _shortest) _shortest = via.within;
			down = _down.count(owner.id) > 0;
			slow = _slow.count(owner.id) > 0;
			if (!down && !slow && _held.count(owner.id))
			{
				// Answered at release(), as the node is then.
				_waiting.push_back([this, owner, answer] {
					bool downNow = false;
					{
						std::lock_guard<std::mutex> lock(_mutex);
						downNow = _down.count(owner.id) > 0;
					}
					const p2p::BadGatewayException failure("cannot reach node " + owner.id);
					answer(downNow ? &failure : nullptr);
				});
				return;
			}
		}
		if (down)
		{
			const p2p::BadGatewayException failure("cannot reach node " + owner.id);
			return answer(&failure);
		}
		if (slow)
		{
			const p2p::GatewayTimeoutException failure("node " + owner.id + " did not answer in time");
			return answer(&failure);
		}
		answer(nullptr);
	}

	std::mutex _mutex;
	std::map<std::string, p2p::kvstore::MemoryStore> _nodes;
	std::set<std::string> _down;
	std::set<std::string> _held;
	std::set<std::string> _slow;
	std::vector<std::function<void()>> _waiting;
	std::atomic<int> _calls{0};
	Poco::Timespan _longest;
	Poco::Timespan _shortest;
};

#endif
