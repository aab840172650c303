#ifndef P2P_KvStore_EntryCodec_INCLUDED
#define P2P_KvStore_EntryCodec_INCLUDED

#include "Store.h"
#include <Poco/JSON/Object.h>

namespace p2p::kvstore {

/// Entries as JSON between replicas (the /internal/kv endpoints):
/// {"key": "color", "value": "\"blue\"", "timestamp": 1700000000000000,
///  "node": "node3", "deleted": false}. The value travels as the JSON text it
/// is stored as, so a replica stores exactly the coordinator's bytes.
class EntryCodec
{
public:
	static Poco::JSON::Object::Ptr toJson(const std::string& key, const Entry& entry);

	/// Reads and checks one entry: a valid key, a positive timestamp at most
	/// an hour ahead of this node's clock, a node id, and a value that is
	/// JSON text (empty for a tombstone).
	/// Throws BadRequestException naming the bad field.
	static std::pair<std::string, Entry> fromJson(const Poco::JSON::Object& object);

	/// A version without its value, for anti-entropy's comparisons:
	/// {"key", "timestamp", "node", "deleted"}; read back with an empty value.
	static Poco::JSON::Object::Ptr versionToJson(const std::string& key, const Entry& entry);
	static std::pair<std::string, Entry> versionFromJson(const Poco::JSON::Object& object);

	/// The header a forwarding node stamps a client's write with, so that
	/// every owner that coordinates it (a hedged write reaches two) stores
	/// the same version: "<µs> <node id>". The node a client wrote to
	/// stamps it, as Cassandra's coordinator does.
	static constexpr const char* kStampHeader = "X-P2P-Write-Stamp";
	static std::string stampText(const Entry& entry);
	/// Sets entry's timestamp and node from a stamp header's text, checked
	/// as fromJson() checks them; throws BadRequestException.
	static void readStamp(const std::string& text, Entry& entry);

private:
	/// A positive timestamp at most an hour ahead of this node's clock, and
	/// a node id; throws BadRequestException naming `where`.
	static void checkStamp(const Entry& entry, const std::string& where);
};

} // namespace p2p::kvstore

#endif
