#include "GroupCommit.h"
#include "PoolJob.h"
#include <future>
#include <memory>

namespace p2p::kvstore {

GroupCommit::GroupCommit(Store& store, Poco::ThreadPool& pool, Commits where): _store(store), _pool(pool), _where(where)
{
}

GroupCommit::~GroupCommit()
{
	drain();
}

bool GroupCommit::enqueue(std::string key, Entry entry, Done done)
{
	_queue.push_back({std::move(key), std::move(entry), std::move(done)});
	if (_committing) return false; // the running commit takes it next
	_committing = true;
	return true;
}

void GroupCommit::startCommitting()
{
	if (_where == Commits::OnCaller) return commitWhileQueued(1);
	PoolJob::start(_pool, [this] { commitWhileQueued(0); });
}

void GroupCommit::apply(std::string key, Entry entry, Done done)
{
	bool start = false;
	{
		std::lock_guard<std::mutex> lock(_mutex);
		start = enqueue(std::move(key), std::move(entry), std::move(done));
	}
	if (start) startCommitting();
}

void GroupCommit::applyAll(std::vector<std::pair<std::string, Entry>> entries,
                           std::function<void(std::size_t applied, const Poco::Exception* error)> done)
{
	if (entries.empty()) return done(0, nullptr);
	struct Tally
	{
		std::mutex mutex;
		std::size_t left = 0;
		std::size_t applied = 0;
		std::unique_ptr<Poco::Exception> error;
		std::function<void(std::size_t, const Poco::Exception*)> done;
	};
	auto tally = std::make_shared<Tally>();
	tally->left = entries.size();
	tally->done = std::move(done);
	const auto counted = [tally](bool applied, const Poco::Exception* error) {
		std::unique_lock<std::mutex> lock(tally->mutex);
		if (applied) ++tally->applied;
		if (error && !tally->error) tally->error.reset(error->clone());
		if (--tally->left > 0) return;
		lock.unlock();
		tally->done(tally->applied, tally->error.get());
	};
	bool start = false;
	{
		std::lock_guard<std::mutex> lock(_mutex);
		for (auto& [key, entry] : entries) start = enqueue(std::move(key), std::move(entry), counted) || start;
	}
	if (start) startCommitting();
}

bool GroupCommit::applyNow(const std::string& key, const Entry& entry)
{
	struct Outcome
	{
		bool applied = false;
		std::unique_ptr<Poco::Exception> error;
	};
	auto promise = std::make_shared<std::promise<Outcome>>();
	auto outcome = promise->get_future();
	apply(key, entry, [promise](bool applied, const Poco::Exception* error) {
		promise->set_value({applied, error ? std::unique_ptr<Poco::Exception>(error->clone()) : nullptr});
	});
	Outcome result = outcome.get();
	if (result.error) result.error->rethrow();
	return result.applied;
}

void GroupCommit::drain()
{
	std::unique_lock<std::mutex> lock(_mutex);
	_idle.wait(lock, [this] { return !_committing && _queue.empty(); });
}

void GroupCommit::commitWhileQueued(std::size_t batches)
{
	std::vector<Pending> batch;
	for (std::size_t done = 0;; ++done)
	{
		batch.clear();
		{
			std::lock_guard<std::mutex> lock(_mutex);
			if (_queue.empty())
			{
				_committing = false;
				_idle.notify_all();
				return;
			}
			if (batches > 0 && done == batches)
			{
				// The caller (an event loop) has done its share; others' writes
				// that keep coming are the pool's, so the loop gets back to
				// its connections.
				PoolJob::start(_pool, [this] { commitWhileQueued(0); });
				return;
			}
			if (_queue.size() <= kMaxBatch)
			{
				batch.swap(_queue);
			}
			else
			{
				const auto end = _queue.begin() + static_cast<std::ptrdiff_t>(kMaxBatch);
				batch.assign(std::make_move_iterator(_queue.begin()), std::make_move_iterator(end));
				_queue.erase(_queue.begin(), end);
			}
		}
		commit(batch);
	}
}

void GroupCommit::commit(std::vector<Pending>& batch)
{
	std::vector<std::pair<std::string, Entry>> entries;
	entries.reserve(batch.size());
	for (auto& pending : batch) entries.emplace_back(std::move(pending.key), std::move(pending.entry));
	std::vector<bool> applied;
	std::unique_ptr<Poco::Exception> error;
	try
	{
		applied = _store.applyAll(entries);
		++_commits;
		_writes += batch.size();
	}
	catch (const Poco::Exception& exc)
	{
		error.reset(exc.clone());
	}
	catch (const std::exception& exc)
	{
		error = std::make_unique<Poco::RuntimeException>(std::string("the store failed: ") + exc.what());
	}
	for (std::size_t i = 0; i < batch.size(); ++i)
	{
		try
		{
			batch[i].done(!error && applied[i], error.get());
		}
		catch (...)
		{
			// A writer's callback must not throw; one that does must not stop
			// the commits of everyone else (_committing would stay set).
		}
	}
}

} // namespace p2p::kvstore
