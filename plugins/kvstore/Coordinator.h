#ifndef P2P_KvStore_Coordinator_INCLUDED
#define P2P_KvStore_Coordinator_INCLUDED

#include "GroupCommit.h"
#include "Replicas.h"
#include <Poco/Timespan.h>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

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
/// A write is sent to all N at once and is answered after W
/// acknowledgements; the rest complete in the background. A read asks R
/// nodes (this one first when it is an owner), answers the newest version
/// among them, and repairs the owners that answered with an older one.
/// A read or write still short of its quorum after Replicas::hedgeDelay()
/// asks the next stand-in as well, and again after each further delay
/// (hedged, as Dynamo's coordinators do): an owner that is paused or cut
/// off costs milliseconds, not the quorum timeout.
/// When none of the R has the key, the read asks the other candidates too
/// before it says so: after a ring change a just-acknowledged write may
/// still sit on the previous owners until rebalancing has moved it.
///
/// Each read or write is a state machine that no thread waits on: given a
/// client response that can be answered later, the other nodes are asked
/// from its event loop, this node's copy is written by GroupCommit, and the
/// answer goes to a callback on whichever of them completes the quorum.
/// From a loop, every exchange is bounded by what is left of
/// kvstore.quorum_timeout_ms, a stand-in's included; without one, each
/// waits on a pool thread within PeerClient's timeouts.
///
/// Thread-safe. The owner calls drain() before destroying it.
class Coordinator
{
public:
	/// error set: the quorum was not reached: ServiceUnavailableException
	/// when too few nodes took the write or answered, GatewayTimeoutException
	/// when they did not in time, naming the nodes that failed. A failed
	/// write may persist on those that took it (as in Dynamo), and later
	/// reads may return it.
	using WriteDone = std::function<void(const Poco::Exception* error)>;
	/// The newest version among R answers (tombstones included), empty when
	/// none of them has the key; meaningless when error is set.
	using ReadDone = std::function<void(std::optional<Entry> newest, const Poco::Exception* error)>;

	Coordinator(Store& local, GroupCommit& localWrites, std::string selfId, Replicas& remote, QuorumSettings settings);

	/// `client`: the response that waits, when it can be answered later
	/// (the other nodes are then reached from its loop); done runs exactly
	/// once, on whatever thread completed the quorum.
	void write(const std::string& key, const Entry& entry, const std::vector<Owner>& candidates,
	           const std::optional<AnswerLater>& client, WriteDone done);
	void read(const std::string& key, const std::vector<Owner>& candidates, const std::optional<AnswerLater>& client,
	          ReadDone done);

	/// Whether read() of a key with these candidates asks this node only (one
	/// copy to read, and this node holds it): then it answers at once, on
	/// the calling thread.
	bool readsLocally(const std::vector<Owner>& candidates) const;
	const QuorumSettings& settings() const { return _settings; }

	/// Returns once no read or write is in flight, those that go on after
	/// their client's answer (the writes beyond W, read repairs) included.
	void drain();

	/// Owners given a newer version after a read found theirs stale.
	Poco::UInt64 readRepairs() const { return _readRepairs.load(); }
	/// Reads and writes a stand-in served because an owner failed.
	Poco::UInt64 standIns() const { return _standIns.load(); }
	/// Stand-ins asked because the owners were slow to answer.
	Poco::UInt64 hedges() const { return _hedges.load(); }

private:
	class Round;
	struct Answer
	{
		Owner owner;
		std::optional<Entry> entry;
	};
	using Answers = std::vector<Answer>;
	using Reply = std::function<void(std::optional<Entry> entry, const Poco::Exception* error)>;
	/// One exchange with one node: a read or a write of this round's key.
	using Operation = std::function<void(const Owner& owner, const Replicas::Via& via, Reply reply)>;

	/// Starts op on owner; moves on to the round's stand-ins while it fails.
	void attempt(const std::shared_ptr<Round>& round, const Owner& owner, bool standIn);
	/// After the hedge delay, a stand-in for a round still short of its
	/// quorum; then the same again. Only from an event loop (client set).
	void hedgeLater(const std::shared_ptr<Round>& round, const std::optional<AnswerLater>& client);
	/// After the read's answers are in: repairs stale owners and answers.
	void settleRead(const std::string& key, const std::vector<Owner>& candidates, Answers answers,
	                const std::optional<AnswerLater>& client, const ReadDone& done);
	void repair(const std::string& key, const Entry& newest, const std::vector<Owner>& owners,
	            const std::optional<AnswerLater>& client);
	Operation readOf(const std::string& key);
	Operation writeOf(const std::string& key, const Entry& entry);

	Store& _local;
	GroupCommit& _localWrites;
	const std::string _selfId;
	Replicas& _remote;
	const QuorumSettings _settings;
	std::atomic<Poco::UInt64> _readRepairs{0};
	std::atomic<Poco::UInt64> _standIns{0};
	std::atomic<Poco::UInt64> _hedges{0};

	// Rounds alive, for drain().
	std::mutex _roundsMutex;
	std::condition_variable _noRounds;
	std::size_t _rounds = 0;
};

} // namespace p2p::kvstore

#endif
