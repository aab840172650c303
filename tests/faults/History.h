#ifndef P2P_Faults_History_INCLUDED
#define P2P_Faults_History_INCLUDED

#include "FaultNetwork.h"
#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

namespace p2p::faults {

/// What clients were told, and what the network reads back: the history
/// checker of the fault suite. Writers put ever higher sequence numbers
/// into their keys ({"seq": n}) through chosen nodes and remember, per key,
/// the highest acknowledged (200) and the highest sent at all (a write
/// that failed may still have been stored, as in Dynamo). A check then
/// reads every acknowledged key through every given node: an answer
/// below the acknowledged number is a stale read, a 404 a lost one, and
/// either breaks the store's guarantee.
class History
{
public:
	/// keys: how many keys ("<prefix><i>") the writers share; padding:
	/// bytes of filler each value carries besides its number.
	History(const FaultNetwork& network, std::size_t keys, std::string prefix, std::size_t padding = 0);
	~History();

	/// Which nodes writer w sends its next write to (tried in turn).
	using Route = std::function<std::vector<int>(std::size_t writer)>;
	/// Starts `writers` threads, each writing its share of the keys in
	/// turn, until stopWriters() or `limit` has passed.
	void startWriters(std::size_t writers, Route route, Poco::Timespan limit = Poco::Timespan(600, 0));
	void stopWriters();

	/// Writers leave alone the keys for which skip(index) holds (set it
	/// before startWriters()).
	void skipKeys(std::function<bool(std::size_t)> skip);

	struct Writes
	{
		std::size_t acknowledged = 0;
		std::size_t failed = 0;
		/// When the last failed write was sent, in ms after `since` (-1: none after it).
		Poco::Int64 lastFailureMs = -1;
		std::size_t failedSince = 0; ///< failures sent after `since`
		/// The last few failures after `since`: when, through which node, what it answered.
		std::vector<std::string> examples;
	};
	/// counted: which failures to count (by key index and the node written
	/// through); all when empty.
	Writes writes(const Poco::Timestamp& since = Poco::Timestamp(0),
	              const std::function<bool(std::size_t key, int node)>& counted = {}) const;

	struct Check
	{
		std::size_t reads = 0;
		std::size_t right = 0;
		std::size_t lost = 0;        ///< 404 for an acknowledged key
		std::size_t stale = 0;       ///< an older number than acknowledged
		std::size_t unavailable = 0; ///< no answer, or an error status
		std::vector<std::string> examples; ///< the first few violations
		std::string summary() const;
	};
	/// Reads every acknowledged key through each of `readers`, in parallel.
	Check check(const std::vector<int>& readers) const;

	std::string key(std::size_t i) const { return _prefix + std::to_string(i); }
	std::size_t keys() const { return _acknowledged.size(); }

private:
	void write(std::size_t writer, std::size_t writers, const Route& route, Poco::Timestamp until);

	const FaultNetwork& _network;
	const std::string _prefix;
	const std::string _padding; ///< ', "pad": "..."' or empty
	std::vector<std::atomic<Poco::Int64>> _acknowledged; ///< per key; 0: never
	std::vector<std::atomic<Poco::Int64>> _sent;
	std::function<bool(std::size_t)> _skip;
	std::atomic<bool> _stop{false};
	std::vector<std::thread> _writers;
	mutable std::mutex _mutex; ///< guards the failure times
	struct Failure
	{
		Poco::Timestamp at;
		std::size_t key = 0;
		int node = 0;
		int status = 0;
		std::string body;
	};
	std::vector<Failure> _failures;
	std::atomic<std::size_t> _acks{0};
};

} // namespace p2p::faults

#endif
