#ifndef P2P_KvStore_TreeExchange_INCLUDED
#define P2P_KvStore_TreeExchange_INCLUDED

#include "SharedKeys.h"
#include <Poco/JSON/Object.h>
#include <Poco/Mutex.h>
#include <Poco/Timestamp.h>

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

/// The receiving side of a TreeQuestion, over this node's SharedKeys. A
/// tree it computed for an asker is kept for a few seconds, so the tops and
/// leaves steps of one exchange cost one scan. Thread-safe.
class TreeResponder
{
public:
	explicit TreeResponder(const SharedKeys& keys);

	TreeAnswer answer(const TreeQuestion& question);

private:
	DigestTree treeFor(const std::string& peer);

	const SharedKeys& _keys;
	Poco::FastMutex _mutex;
	std::map<std::string, std::pair<Poco::Timestamp, DigestTree>> _trees; ///< by asker, with when it was made
};

} // namespace p2p::kvstore

#endif
