#ifndef P2P_Bootstrap_Registry_INCLUDED
#define P2P_Bootstrap_Registry_INCLUDED

#include <Poco/Mutex.h>
#include <Poco/Timespan.h>
#include <Poco/Timestamp.h>
#include <map>
#include <string>
#include <vector>

namespace p2p::bootstrap {

struct Registration
{
	std::string id;
	std::string address;
	Poco::Timestamp registeredAt;
	Poco::Timestamp lastSeen;
};

/// The nodes registered with a bootstrap node, each on a lease: an entry not
/// renewed within the lease is gone. Time is passed in, so the lease logic
/// is tested without waiting. Thread-safe (one mutex; O(log n) per
/// registration or renewal, O(n) per listing). A generation number counts
/// changes of who is registered where (not renewals), so that nodes can
/// ask whether the list changed without fetching it.
class Registry
{
public:
	Registry(Poco::Timespan lease, std::size_t maxNodes);

	/// Registers or renews a node; re-registering an id updates its address.
	/// Returns the number of nodes registered afterwards (counting those
	/// whose lease ran out but expire() has not removed yet). Throws
	/// BadRequestException for an invalid id or address, and
	/// ServiceUnavailableException when maxNodes are registered already.
	std::size_t add(const std::string& id, const std::string& address, Poco::Timestamp now = Poco::Timestamp());

	/// Returns whether the node was registered.
	bool remove(const std::string& id);

	/// Drops expired entries and returns their ids.
	std::vector<std::string> expire(Poco::Timestamp now = Poco::Timestamp());

	/// Registered nodes whose lease runs, sorted by id; and the generation
	/// they are of, when asked for.
	std::vector<Registration> live(Poco::Timestamp now = Poco::Timestamp(), Poco::UInt64* generation = nullptr) const;

	/// Rises with every registration of a new id, changed address, removal
	/// and expiry; renewals leave it.
	Poco::UInt64 generation() const;

	Poco::Timespan lease() const { return _lease; }

	/// 1..128 bytes of [A-Za-z0-9._-]; throws BadRequestException naming the problem.
	static void validateId(const std::string& id);
	/// An http(s)://host:port URL with an explicit port and nothing after it.
	static void validateAddress(const std::string& address);

private:
	bool expired(const Registration& registration, const Poco::Timestamp& now) const;

	const Poco::Timespan _lease;
	const std::size_t _maxNodes;
	mutable Poco::FastMutex _mutex;
	std::map<std::string, Registration> _nodes;
	Poco::UInt64 _generation = 1;
};

} // namespace p2p::bootstrap

#endif
