#ifndef P2P_KvStore_Coordinator_INCLUDED
#define P2P_KvStore_Coordinator_INCLUDED

#include "Replicas.h"
#include <Poco/ThreadPool.h>
#include <Poco/Timespan.h>
#include <atomic>
#include <functional>
#include <memory>

namespace p2p::kvstore {

struct QuorumSettings
{
	std::size_t replicas = 3;    ///< N: copies of each key (kvstore.replicas)
	std::size_t writeQuorum = 2; ///< W: acknowledgements a write waits for
	std::size_t readQuorum = 2;  ///< R: answers a read waits for
	/// The longest a client waits for its quorum (kvstore.quorum_timeout_ms).
	Poco::Timespan timeout = Poco::Timespan(5, 0);
};

/// Reads and writes one key on its replicas, as the coordinating node of
/// a Dynamo-style store (DeCandia et al., SOSP 2007, sections 4.5 to 4.7).
///
/// The caller passes the key's candidates from the ring: the first N are
/// its owners, the rest stand in for owners that fail (a "sloppy quorum":
/// the stand-in keeps the copy until the Rebalancer hands it to the owner).
/// N, W and R are clamped to the candidates there are, so a two-node
/// network with N = 3 keeps two copies and waits for two.
///
/// A write is sent to all N at once and returns after W acknowledgements;
/// the rest complete in the background. A read asks R nodes (this one
/// first when it is an owner), returns the newest version among the
/// answers, and repairs the owners that answered with an older one. When
/// none of the R has the key, the read asks the other candidates too
/// before it says so: after a ring change a just-acknowledged write may
/// still sit on the previous owners until rebalancing has moved it.
///
/// Called on HTTP threads, many at once; the requests to other nodes run on
/// the pool, which the owner joins (joinAll) before destroying this.
class Coordinator
{
public:
	Coordinator(Store& local, std::string selfId, Replicas& remote, Poco::ThreadPool& pool, QuorumSettings settings);

	/// Throws ServiceUnavailableException when fewer than W nodes took the
	/// write, GatewayTimeoutException when they did not within the timeout,
	/// naming the nodes that failed. The write may then persist on those
	/// that took it (as in Dynamo), and later reads may return it.
	void write(const std::string& key, const Entry& entry, const std::vector<Owner>& candidates);

	/// The newest version among R answers (tombstones included); empty when
	/// none of them has the key. Throws like write() when fewer than R answer.
	std::optional<Entry> read(const std::string& key, const std::vector<Owner>& candidates);

	/// Whether read() of a key with these candidates asks this node only (one
	/// copy to read, and this node holds it): then it never waits.
	bool readsLocally(const std::vector<Owner>& candidates) const;
	const QuorumSettings& settings() const { return _settings; }

	/// Owners given a newer version after a read found theirs stale.
	Poco::UInt64 readRepairs() const { return _readRepairs.load(); }
	/// Reads and writes a stand-in served because an owner failed.
	Poco::UInt64 standIns() const { return _standIns.load(); }

private:
	class Round;
	struct Answer
	{
		Owner owner;
		std::optional<Entry> entry;
	};
	using Operation = std::function<std::optional<Entry>(const Owner&)>;

	/// Runs op on owner, moving on to the round's stand-ins while it fails.
	void attempt(const std::shared_ptr<Round>& round, Owner owner, const Operation& op);
	/// attempt() on a pool thread, or on this one when the pool is full.
	void attemptInBackground(const std::shared_ptr<Round>& round, const Owner& owner, const Operation& op);
	/// Waits for the round's quorum and returns the answers so far; throws
	/// when it is not reached.
	std::vector<Answer> await(Round& round, const char* what, const char* quorumProperty);
	void repair(const std::string& key, const Entry& newest, const std::vector<Owner>& owners);
	std::optional<Entry> localOrRemoteRead(const Owner& owner, const std::string& key);
	void localOrRemoteWrite(const Owner& owner, const std::string& key, const Entry& entry);

	Store& _local;
	const std::string _selfId;
	Replicas& _remote;
	Poco::ThreadPool& _pool;
	const QuorumSettings _settings;
	std::atomic<Poco::UInt64> _readRepairs{0};
	std::atomic<Poco::UInt64> _standIns{0};
};

} // namespace p2p::kvstore

#endif
