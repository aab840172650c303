#include "Coordinator.h"
#include "p2p/Errors.h"
#include <Poco/Runnable.h>
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <utility>

namespace p2p::kvstore {

/// One read or write in flight: the answers so far, the stand-ins not yet
/// tried, and the attempts still running. Shared by the coordinating thread
/// and the pool threads; it lives until the last of them lets go, because a
/// write goes on after its client has the answer.
class Coordinator::Round
{
public:
	Round(std::size_t needed, std::deque<Owner> standIns): _needed(needed), _standIns(std::move(standIns)) {}

	void begin()
	{
		std::lock_guard<std::mutex> lock(_mutex);
		++_running;
	}

	void answered(const Owner& owner, std::optional<Entry> entry)
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_answers.push_back({owner, std::move(entry)});
		if (_answers.size() >= _needed) _done.notify_all();
	}

	/// Records the failure; returns the stand-in to try next, if one is left.
	std::optional<Owner> failed(const Owner& owner, const std::string& why)
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_failures.push_back(owner.id + " (" + why + ")");
		if (_standIns.empty()) return std::nullopt;
		Owner next = std::move(_standIns.front());
		_standIns.pop_front();
		return next;
	}

	void end()
	{
		std::lock_guard<std::mutex> lock(_mutex);
		if (--_running == 0) _done.notify_all();
	}

	/// Until the quorum is reached, every attempt has ended, or the timeout.
	/// Returns whether the quorum was reached; fills the answers so far.
	bool wait(Poco::Timespan timeout, std::vector<Answer>& answers, std::string& failures, bool& timedOut)
	{
		std::unique_lock<std::mutex> lock(_mutex);
		const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(timeout.totalMicroseconds());
		timedOut = !_done.wait_until(lock, deadline, [this] { return _answers.size() >= _needed || _running == 0; });
		answers = _answers;
		for (const auto& failure : _failures) failures += (failures.empty() ? "" : "; ") + failure;
		return _answers.size() >= _needed;
	}

	std::size_t needed() const { return _needed; }

	/// The stand-ins not tried, taken out of the round.
	std::deque<Owner> takeStandIns()
	{
		std::lock_guard<std::mutex> lock(_mutex);
		return std::exchange(_standIns, {});
	}

private:
	std::mutex _mutex;
	std::condition_variable _done;
	const std::size_t _needed;
	std::deque<Owner> _standIns;
	std::vector<Answer> _answers;
	std::vector<std::string> _failures;
	std::size_t _running = 0;
};

namespace {

/// A job for Poco::ThreadPool, which runs Runnables it does not own: the
/// job owns itself from start() until its run() returns.
class PoolJob: public Poco::Runnable
{
public:
	static void start(Poco::ThreadPool& pool, std::function<void()> work)
	{
		auto job = std::make_unique<PoolJob>(std::move(work));
		try
		{
			pool.start(*job);
			job.release(); // run() takes it over
		}
		catch (const Poco::NoThreadAvailableException&)
		{
			job->_work(); // the pool is full: do it here, slower but never lost
		}
	}

	explicit PoolJob(std::function<void()> work): _work(std::move(work)) {}

	void run() override
	{
		std::unique_ptr<PoolJob> self(this);
		_work();
	}

private:
	std::function<void()> _work;
};

bool newer(const std::optional<Entry>& a, const std::optional<Entry>& b)
{
	if (!a) return false;
	return !b || a->newerThan(*b);
}

} // namespace

Coordinator::Coordinator(Store& local, std::string selfId, Replicas& remote, Poco::ThreadPool& pool,
                         QuorumSettings settings):
	_local(local),
	_selfId(std::move(selfId)),
	_remote(remote),
	_pool(pool),
	_settings(settings)
{
}

std::optional<Entry> Coordinator::localOrRemoteRead(const Owner& owner, const std::string& key)
{
	return owner.id == _selfId ? _local.get(key) : _remote.read(owner, key);
}

void Coordinator::localOrRemoteWrite(const Owner& owner, const std::string& key, const Entry& entry)
{
	if (owner.id == _selfId)
		_local.apply(key, entry);
	else
		_remote.write(owner, key, entry);
}

void Coordinator::attempt(const std::shared_ptr<Round>& round, Owner owner, const Operation& op)
{
	for (bool standIn = false;; standIn = true)
	{
		std::string why;
		try
		{
			round->answered(owner, op(owner));
			if (standIn) ++_standIns;
			break;
		}
		catch (const Poco::Exception& exc)
		{
			why = exc.message();
		}
		catch (const std::exception& exc)
		{
			why = exc.what(); // not ours to understand, but the round must still end
		}
		auto next = round->failed(owner, why);
		if (!next) break;
		owner = std::move(*next);
	}
	round->end();
}

void Coordinator::attemptInBackground(const std::shared_ptr<Round>& round, const Owner& owner, const Operation& op)
{
	round->begin();
	PoolJob::start(_pool, [this, round, owner, op] { attempt(round, owner, op); });
}

std::vector<Coordinator::Answer> Coordinator::await(Round& round, const char* what, const char* quorumProperty)
{
	std::vector<Answer> answers;
	std::string failures;
	bool timedOut = false;
	if (round.wait(_settings.timeout, answers, failures, timedOut)) return answers;
	const std::string counts = std::to_string(answers.size()) + " of the " + std::to_string(round.needed()) +
	                           " replicas it needs (" + quorumProperty + ")";
	if (timedOut)
		throw GatewayTimeoutException(std::string("the ") + what + " reached only " + counts + " within " +
		                              std::to_string(_settings.timeout.totalMilliseconds()) + " ms" +
		                              (failures.empty() ? "" : "; failed: " + failures));
	throw ServiceUnavailableException(std::string("the ") + what + " reached only " + counts + "; failed: " + failures);
}

void Coordinator::write(const std::string& key, const Entry& entry, const std::vector<Owner>& candidates)
{
	if (candidates.empty()) throw ServiceUnavailableException("no node is on the ring to take the write");
	const std::size_t n = std::min(_settings.replicas, candidates.size());
	const std::size_t w = std::max<std::size_t>(1, std::min(_settings.writeQuorum, n));
	auto round = std::make_shared<Round>(w, std::deque<Owner>(candidates.begin() + static_cast<std::ptrdiff_t>(n), candidates.end()));
	const Operation op = [this, key, entry](const Owner& owner) -> std::optional<Entry> {
		localOrRemoteWrite(owner, key, entry);
		return std::nullopt;
	};
	// The local copy first and on this thread: it is the cheapest acknowledgement.
	for (std::size_t i = 0; i < n; ++i)
	{
		if (candidates[i].id != _selfId) continue;
		round->begin();
		attempt(round, candidates[i], op);
	}
	for (std::size_t i = 0; i < n; ++i)
		if (candidates[i].id != _selfId) attemptInBackground(round, candidates[i], op);
	await(*round, "write", "kvstore.write_quorum");
}

bool Coordinator::readsLocally(const std::vector<Owner>& candidates) const
{
	const std::size_t n = std::min(_settings.replicas, candidates.size());
	const std::size_t r = std::max<std::size_t>(1, std::min(_settings.readQuorum, n));
	return r == 1 && std::any_of(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(n),
	                             [this](const Owner& owner) { return owner.id == _selfId; });
}

std::optional<Entry> Coordinator::read(const std::string& key, const std::vector<Owner>& candidates)
{
	if (candidates.empty()) throw ServiceUnavailableException("no node is on the ring to read from");
	const std::size_t n = std::min(_settings.replicas, candidates.size());
	const std::size_t r = std::max<std::size_t>(1, std::min(_settings.readQuorum, n));
	// Ask this node first when it is an owner, then the owners in ring order;
	// the owners not asked, then the stand-ins, replace those that fail.
	std::vector<Owner> order(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(n));
	std::stable_partition(order.begin(), order.end(), [this](const Owner& owner) { return owner.id == _selfId; });
	std::deque<Owner> standIns(order.begin() + static_cast<std::ptrdiff_t>(r), order.end());
	standIns.insert(standIns.end(), candidates.begin() + static_cast<std::ptrdiff_t>(n), candidates.end());
	auto round = std::make_shared<Round>(r, std::move(standIns));
	if (r == 1 && order.front().id == _selfId) return _local.get(key); // nothing to wait for or to repair

	const Operation op = [this, key](const Owner& owner) { return localOrRemoteRead(owner, key); };

	// Every one of the first r answers is needed, so the last attempt runs
	// on this thread rather than waiting for a pool thread to do it.
	for (std::size_t i = 0; i + 1 < r; ++i)
	{
		if (order[i].id == _selfId)
		{
			round->begin();
			attempt(round, order[i], op);
		}
		else
			attemptInBackground(round, order[i], op);
	}
	round->begin();
	attempt(round, order[r - 1], op);
	std::vector<Answer> answers = await(*round, "read", "kvstore.read_quorum");
	if (std::none_of(answers.begin(), answers.end(), [](const Answer& a) { return a.entry.has_value(); }))
	{
		// None of the R has the key. Right after the ring changed, a write
		// acknowledged moments ago may sit on the other owners or on stand-ins
		// until rebalancing moves it, so a miss asks them all before it is a 404.
		const auto rest = round->takeStandIns();
		if (!rest.empty())
		{
			auto sweep = std::make_shared<Round>(rest.size(), std::deque<Owner>());
			for (std::size_t i = 0; i + 1 < rest.size(); ++i) attemptInBackground(sweep, rest[i], op);
			sweep->begin();
			attempt(sweep, rest.back(), op);
			std::vector<Answer> more;
			std::string failures;
			bool timedOut = false;
			sweep->wait(_settings.timeout, more, failures, timedOut); // what answers in time; the quorum is met already
			answers.insert(answers.end(), more.begin(), more.end());
		}
	}

	std::optional<Entry> newest;
	for (const auto& answer : answers)
		if (newer(answer.entry, newest)) newest = answer.entry;
	if (newest)
	{
		std::vector<Owner> stale;
		for (const auto& answer : answers)
		{
			const bool owner = std::any_of(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(n),
			                               [&](const Owner& o) { return o.id == answer.owner.id; });
			if (owner && newer(newest, answer.entry)) stale.push_back(answer.owner);
		}
		if (!stale.empty()) repair(key, *newest, stale);
	}
	return newest;
}

void Coordinator::repair(const std::string& key, const Entry& newest, const std::vector<Owner>& owners)
{
	for (const auto& owner : owners)
	{
		++_readRepairs;
		PoolJob::start(_pool, [this, key, newest, owner] {
			try
			{
				localOrRemoteWrite(owner, key, newest);
			}
			catch (const Poco::Exception&)
			{
				// The next read or re-replication pass repairs it.
			}
		});
	}
}

} // namespace p2p::kvstore
