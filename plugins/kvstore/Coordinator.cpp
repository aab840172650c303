#include "Coordinator.h"
#include "p2p/Errors.h"
#include <Poco/Timestamp.h>
#include <algorithm>
#include <deque>
#include <utility>

namespace p2p::kvstore {

/// One read or write in flight: the answers so far, the stand-ins not yet
/// tried, and the exchanges still running. Every exchange's callback holds
/// it, so it lives until the last of them is done: a write goes on after
/// its client has the answer. Its finish runs once, outside the lock: when
/// the quorum is reached, or when every exchange has ended short of it.
class Coordinator::Round
{
public:
	/// unused: the stand-ins nobody needed (a read's miss asks them too).
	using Finish = std::function<void(Answers answers, std::deque<Owner> unused, const Poco::Exception* error)>;

	struct Purpose
	{
		const char* what;           ///< "write", "read"
		const char* quorumProperty; ///< the setting that names the quorum
	};

	Round(Coordinator& coordinator, std::size_t needed, std::deque<Owner> standIns, Operation op,
	      std::optional<AnswerLater> client, Poco::Timestamp deadline, Purpose purpose, Finish finish):
		_coordinator(coordinator),
		_counted(coordinator),
		_needed(needed),
		_op(std::move(op)),
		_client(std::move(client)),
		_deadline(deadline),
		_purpose(purpose),
		_standIns(std::move(standIns)),
		_finish(std::move(finish))
	{
	}

	Round(const Round&) = delete;
	Round& operator=(const Round&) = delete;

	const Operation& op() const { return _op; }

	/// How the next exchange goes: from the client's loop, within the time
	/// left (never 0, which would mean no limit).
	Replicas::Via via() const { return {_client, std::max(left(), Poco::Timespan(1))}; }

	/// Counts n exchanges about to start; before the first of them, since
	/// one may end before the next begins.
	void begin(std::size_t n)
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_running += n;
	}

	void succeeded(const Owner& owner, std::optional<Entry> entry)
	{
		std::unique_lock<std::mutex> lock(_mutex);
		_answers.push_back({owner, std::move(entry)});
		--_running;
		settle(lock);
	}

	/// Records the failure; returns the stand-in to try next, while one is
	/// left and there is time for it. The exchange ends otherwise.
	std::optional<Owner> failed(const Owner& owner, const Poco::Exception& error)
	{
		std::unique_lock<std::mutex> lock(_mutex);
		_failures += (_failures.empty() ? "" : "; ") + owner.id + " (" + error.message() + ")";
		_timedOut = _timedOut || dynamic_cast<const GatewayTimeoutException*>(&error) != nullptr;
		if (!_standIns.empty() && left() > 0)
		{
			Owner next = std::move(_standIns.front());
			_standIns.pop_front();
			return next;
		}
		_timedOut = _timedOut || !_standIns.empty(); // stand-ins were left, time was not
		--_running;
		settle(lock);
		return std::nullopt;
	}

	/// A stand-in to ask because the round is still short of its quorum
	/// (a hedge), while one is left and there is time for it.
	std::optional<Owner> hedge()
	{
		std::lock_guard<std::mutex> lock(_mutex);
		if (!_finish || _standIns.empty() || left() <= 0) return std::nullopt;
		Owner next = std::move(_standIns.front());
		_standIns.pop_front();
		++_running;
		return next;
	}

private:
	Poco::Timespan left() const { return std::max<Poco::Timestamp::TimeDiff>(_deadline - Poco::Timestamp(), 0); }

	/// Finishes the round when its outcome is known; unlocks.
	void settle(std::unique_lock<std::mutex>& lock)
	{
		const bool reached = _answers.size() >= _needed;
		if (!_finish || (!reached && _running > 0)) return;
		Finish finish = std::move(_finish);
		_finish = nullptr;
		Answers answers = _answers;
		// A copy: a write's owners that fail after its quorum still hand
		// their copy to a stand-in.
		std::deque<Owner> unused = _standIns;
		std::unique_ptr<Poco::Exception> error;
		if (!reached) error = shortOfQuorum();
		lock.unlock();
		finish(std::move(answers), std::move(unused), error.get());
	}

	std::unique_ptr<Poco::Exception> shortOfQuorum() const
	{
		const std::string reached = std::string("the ") + _purpose.what + " reached only " + std::to_string(_answers.size()) +
		                            " of the " + std::to_string(_needed) + " replicas it needs (" + _purpose.quorumProperty + ")";
		const std::string failed = _failures.empty() ? "" : "; failed: " + _failures;
		if (_timedOut)
			return std::make_unique<GatewayTimeoutException>(
				reached + " within " + std::to_string(_coordinator._settings.timeout.totalMilliseconds()) + " ms" + failed);
		return std::make_unique<ServiceUnavailableException>(reached + failed);
	}

	/// Counts the round for drain() while it lives: declared first, so it is
	/// destroyed last, after the callbacks and the client's response.
	struct Counted
	{
		explicit Counted(Coordinator& coordinator): coordinator(coordinator)
		{
			std::lock_guard<std::mutex> lock(coordinator._roundsMutex);
			++coordinator._rounds;
		}
		~Counted()
		{
			std::lock_guard<std::mutex> lock(coordinator._roundsMutex);
			if (--coordinator._rounds == 0) coordinator._noRounds.notify_all();
		}
		Coordinator& coordinator;
	};

	Coordinator& _coordinator;
	const Counted _counted;
	const std::size_t _needed;
	const Operation _op;
	const std::optional<AnswerLater> _client;
	const Poco::Timestamp _deadline;
	const Purpose _purpose;

	std::mutex _mutex;
	std::deque<Owner> _standIns;
	Finish _finish;
	Answers _answers;
	std::string _failures;
	bool _timedOut = false;
	std::size_t _running = 0;
};

namespace {

bool newer(const std::optional<Entry>& a, const std::optional<Entry>& b)
{
	if (!a) return false;
	return !b || a->newerThan(*b);
}

std::size_t clamp(std::size_t quorum, std::size_t n)
{
	return std::max<std::size_t>(1, std::min(quorum, n));
}

} // namespace

Coordinator::Coordinator(Store& local, GroupCommit& localWrites, std::string selfId, Replicas& remote,
                         QuorumSettings settings):
	_local(local),
	_localWrites(localWrites),
	_selfId(std::move(selfId)),
	_remote(remote),
	_settings(settings)
{
}

Coordinator::Operation Coordinator::readOf(const std::string& key)
{
	return [this, key](const Owner& owner, const Replicas::Via& via, Reply reply) {
		if (owner.id != _selfId) return _remote.read(owner, key, via, std::move(reply));
		std::optional<Entry> entry;
		try
		{
			entry = _local.get(key); // the cache, or a read that WAL lets run beside the writer
		}
		catch (const Poco::Exception& exc)
		{
			return reply(std::nullopt, &exc);
		}
		reply(std::move(entry), nullptr);
	};
}

Coordinator::Operation Coordinator::writeOf(const std::string& key, const Entry& entry)
{
	return [this, key, entry](const Owner& owner, const Replicas::Via& via, Reply reply) {
		if (owner.id != _selfId)
			return _remote.write(owner, key, entry, via, [reply](const Poco::Exception* error) { reply(std::nullopt, error); });
		_localWrites.apply(key, entry, [reply](bool, const Poco::Exception* error) { reply(std::nullopt, error); });
	};
}

void Coordinator::attempt(const std::shared_ptr<Round>& round, const Owner& owner, bool standIn)
{
	round->op()(owner, round->via(), [this, round, owner, standIn](std::optional<Entry> entry, const Poco::Exception* error) {
		if (!error)
		{
			if (standIn) ++_standIns;
			round->succeeded(owner, std::move(entry));
		}
		else if (auto next = round->failed(owner, *error))
		{
			attempt(round, *next, true);
		}
	});
}

void Coordinator::hedgeLater(const std::shared_ptr<Round>& round, const std::optional<AnswerLater>& client)
{
	const Poco::Timespan delay = _remote.hedgeDelay();
	if (!client || delay <= 0) return;
	client->after(delay, [this, round, client] {
		const auto standIn = round->hedge();
		if (!standIn) return;
		++_hedges;
		attempt(round, *standIn, true);
		hedgeLater(round, client);
	});
}

void Coordinator::write(const std::string& key, const Entry& entry, const std::vector<Owner>& candidates,
                        const std::optional<AnswerLater>& client, WriteDone done)
{
	if (candidates.empty())
	{
		const ServiceUnavailableException none("no node is on the ring to take the write");
		return done(&none);
	}
	const std::size_t n = std::min(_settings.replicas, candidates.size());
	const auto owners = candidates.begin() + static_cast<std::ptrdiff_t>(n);
	auto round = std::make_shared<Round>(
		*this, clamp(_settings.writeQuorum, n), std::deque<Owner>(owners, candidates.end()), writeOf(key, entry), client,
		Poco::Timestamp() + _settings.timeout.totalMicroseconds(), Round::Purpose{"write", "kvstore.write_quorum"},
		[done = std::move(done)](Answers, std::deque<Owner>, const Poco::Exception* error) { done(error); });
	round->begin(n);
	// The other nodes first, so their round trips overlap this node's commit.
	for (auto it = candidates.begin(); it != owners; ++it)
		if (it->id != _selfId) attempt(round, *it, false);
	for (auto it = candidates.begin(); it != owners; ++it)
		if (it->id == _selfId) attempt(round, *it, false);
	hedgeLater(round, client);
}

bool Coordinator::readsLocally(const std::vector<Owner>& candidates) const
{
	const std::size_t n = std::min(_settings.replicas, candidates.size());
	return clamp(_settings.readQuorum, n) == 1 &&
	       std::any_of(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(n),
	                   [this](const Owner& owner) { return owner.id == _selfId; });
}

void Coordinator::read(const std::string& key, const std::vector<Owner>& candidates,
                       const std::optional<AnswerLater>& client, ReadDone done)
{
	if (candidates.empty())
	{
		const ServiceUnavailableException none("no node is on the ring to read from");
		return done(std::nullopt, &none);
	}
	const std::size_t n = std::min(_settings.replicas, candidates.size());
	const std::size_t r = clamp(_settings.readQuorum, n);
	// Ask this node first when it is an owner, then the owners in ring order;
	// the owners not asked, then the stand-ins, replace those that fail.
	std::vector<Owner> order(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(n));
	std::stable_partition(order.begin(), order.end(), [this](const Owner& owner) { return owner.id == _selfId; });
	if (r == 1 && order.front().id == _selfId)
	{
		// Nothing to wait for or to repair.
		readOf(key)(order.front(), {}, std::move(done));
		return;
	}
	std::deque<Owner> standIns(order.begin() + static_cast<std::ptrdiff_t>(r), order.end());
	standIns.insert(standIns.end(), candidates.begin() + static_cast<std::ptrdiff_t>(n), candidates.end());
	const Poco::Timestamp deadline = Poco::Timestamp() + _settings.timeout.totalMicroseconds();
	auto round = std::make_shared<Round>(
		*this, r, std::move(standIns), readOf(key), client, deadline, Round::Purpose{"read", "kvstore.read_quorum"},
		[this, key, candidates, client, deadline, done = std::move(done)](Answers answers, std::deque<Owner> rest,
		                                                                  const Poco::Exception* error) {
			if (error) return done(std::nullopt, error);
			if (std::any_of(answers.begin(), answers.end(), [](const Answer& a) { return a.entry.has_value(); }) ||
			    rest.empty())
				return settleRead(key, candidates, std::move(answers), client, done);
			// None of the R has the key. Right after the ring changed, a write
			// acknowledged moments ago may sit on the other owners or on
			// stand-ins until rebalancing moves it, so a miss asks them all
			// (in what is left of the time) before it is a 404.
			const std::vector<Owner> others(rest.begin(), rest.end());
			auto sweep = std::make_shared<Round>(
				*this, others.size(), std::deque<Owner>(), readOf(key), client, deadline,
				Round::Purpose{"read", "kvstore.read_quorum"},
				[this, key, candidates, client, done, answers = std::move(answers)](Answers more, std::deque<Owner>,
				                                                                     const Poco::Exception*) mutable {
					// What answered in time: the quorum was met already.
					answers.insert(answers.end(), more.begin(), more.end());
					settleRead(key, candidates, std::move(answers), client, done);
				});
			sweep->begin(others.size());
			for (const auto& owner : others) attempt(sweep, owner, false);
		});
	round->begin(r);
	for (std::size_t i = 0; i < r; ++i) attempt(round, order[i], false);
	hedgeLater(round, client);
}

void Coordinator::settleRead(const std::string& key, const std::vector<Owner>& candidates, Answers answers,
                             const std::optional<AnswerLater>& client, const ReadDone& done)
{
	std::optional<Entry> newest;
	for (const auto& answer : answers)
		if (newer(answer.entry, newest)) newest = answer.entry;
	if (newest)
	{
		const auto owners = candidates.begin() + static_cast<std::ptrdiff_t>(std::min(_settings.replicas, candidates.size()));
		std::vector<Owner> stale;
		for (const auto& answer : answers)
		{
			const bool owner = std::any_of(candidates.begin(), owners, [&](const Owner& o) { return o.id == answer.owner.id; });
			if (owner && newer(newest, answer.entry)) stale.push_back(answer.owner);
		}
		if (!stale.empty()) repair(key, *newest, stale, client);
	}
	done(std::move(newest), nullptr);
}

void Coordinator::repair(const std::string& key, const Entry& newest, const std::vector<Owner>& owners,
                         const std::optional<AnswerLater>& client)
{
	// Nobody waits for it: an owner it misses is repaired by the next read
	// or rebalancing pass.
	_readRepairs += owners.size();
	auto round = std::make_shared<Round>(*this, owners.size(), std::deque<Owner>(), writeOf(key, newest), client,
	                                     Poco::Timestamp() + _settings.timeout.totalMicroseconds(),
	                                     Round::Purpose{"read repair", "kvstore.read_quorum"}, nullptr);
	round->begin(owners.size());
	for (const auto& owner : owners) attempt(round, owner, false);
}

void Coordinator::drain()
{
	std::unique_lock<std::mutex> lock(_roundsMutex);
	_noRounds.wait(lock, [this] { return _rounds == 0; });
}

} // namespace p2p::kvstore
