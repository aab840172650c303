#ifndef P2P_KvStore_Replicas_INCLUDED
#define P2P_KvStore_Replicas_INCLUDED

#include "Store.h"
#include "p2p/Placement.h"
#include "p2p/Response.h"
#include <Poco/Exception.h>
#include <Poco/Timespan.h>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace p2p::kvstore {

using Owner = Placement::Owner;
using KeyedEntries = std::vector<std::pair<std::string, Entry>>;
struct TreeQuestion;
struct TreeAnswer;

/// The copies of keys that other nodes hold, as this node reaches them.
/// Kept apart from HTTP so the quorum and re-replication logic can be
/// tested without sockets. Implementations are thread-safe. Failures are
/// what the caller's client should hear (BadGatewayException when the node
/// cannot be reached or refuses, GatewayTimeoutException when it does not
/// answer in time), with a message that names the node.
class Replicas
{
public:
	virtual ~Replicas();

	/// How a read or write reaches its node and comes back.
	struct Via
	{
		/// The client response that waits for the answer, when it can be
		/// answered later: the request then goes out on that response's
		/// event loop and its answer comes back there, with no thread
		/// waiting. Without one, a pool thread sends it and waits.
		std::optional<AnswerLater> loop;
		/// When positive, the most the exchange may take.
		Poco::Timespan within;
	};

	/// error set: the read failed and entry means nothing.
	using ReadDone = std::function<void(std::optional<Entry> entry, const Poco::Exception* error)>;
	using WriteDone = std::function<void(const Poco::Exception* error)>;

	/// The owner's version of key, tombstones included; empty when it has none.
	virtual void read(const Owner& owner, const std::string& key, const Via& via, ReadDone done) = 0;

	/// Has the owner apply entry (last writer wins there).
	virtual void write(const Owner& owner, const std::string& key, const Entry& entry, const Via& via, WriteDone done) = 0;

	/// Has the owner apply many entries at once; waits for it and throws.
	virtual void push(const Owner& owner, const KeyedEntries& entries) = 0;

	/// One step of anti-entropy with the owner (TreeExchange); waits for it
	/// and throws.
	virtual TreeAnswer ask(const Owner& owner, const TreeQuestion& question) = 0;

	/// Bytes that push() and ask() have moved, both ways, heads included:
	/// what anti-entropy costs the network.
	virtual Poco::UInt64 syncBytes() const { return 0; }

	/// After how long a read or write still short of its quorum asks a
	/// stand-in too (a hedged request); 0: never, only after a failure.
	virtual Poco::Timespan hedgeDelay() const { return Poco::Timespan(0); }
};

} // namespace p2p::kvstore

#endif
