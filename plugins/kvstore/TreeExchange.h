#ifndef P2P_KvStore_TreeExchange_INCLUDED
#define P2P_KvStore_TreeExchange_INCLUDED

#include "SharedKeys.h"
#include <Poco/JSON/Object.h>
#include <Poco/Mutex.h>
#include <Poco/Timestamp.h>
#include <optional>

namespace p2p::kvstore {

/// One step of anti-entropy between two owners (POST /internal/kv/tree):
/// the asker's tree tops, then the leaves under the tops that differed,
/// then its versions of the keys in the leaves that differed.
struct TreeQuestion
{
	enum class Step
	{
		Tops,    ///< digests: the asker's kTops tops
		Leaves,  ///< digests: the asker's leaves under `top`
		Versions ///< versions: the asker's keys in `leaves`, values left out
	};
	Step step = Step::Tops;
	std::string from; ///< the asker: the receiver compares the keys it shares with it
	std::size_t top = 0;
	std::vector<std::uint64_t> digests;
	std::vector<std::size_t> leaves;
	KeyedEntries versions;

	Poco::JSON::Object::Ptr toJson() const;
	/// Checks everything (step, sizes, leaf numbers, keys and stamps);
	/// throws BadRequestException naming the problem.
	static TreeQuestion fromJson(const Poco::JSON::Object& body);
};

struct TreeAnswer
{
	std::vector<std::size_t> differing; ///< tops or leaves (global leaf numbers) that differ
	KeyedEntries newer;                 ///< entries the receiver has newer, or the asker lacks
	std::vector<std::string> wanted;    ///< keys the asker has newer, or the receiver lacks

	Poco::JSON::Object::Ptr toJson() const;
	static TreeAnswer fromJson(const Poco::JSON::Object& body);
};

/// The receiving side of a TreeQuestion, over this node's SharedKeys (and
/// its store, for the values of what it sends back). The tree it made for
/// an asker, and the versions by leaf, are kept for a few seconds: one
/// exchange costs one scan for the tree and one for the versions, however
/// many steps it takes. Thread-safe.
class TreeResponder
{
public:
	TreeResponder(const SharedKeys& keys, Store& local);

	TreeAnswer answer(const TreeQuestion& question);

private:
	struct Made
	{
		Poco::Timestamp at;
		std::optional<DigestTree> tree;
		std::shared_ptr<const std::map<std::size_t, KeyedEntries>> versions;
	};
	/// The asker's cache entry, made or refreshed; caller holds _mutex.
	Made& madeFor(const std::string& peer);
	DigestTree treeFor(const std::string& peer);
	std::shared_ptr<const std::map<std::size_t, KeyedEntries>> versionsFor(const std::string& peer);

	const SharedKeys& _keys;
	Store& _local;
	Poco::FastMutex _mutex;
	std::map<std::string, Made> _made; ///< by asker
};

} // namespace p2p::kvstore

#endif
