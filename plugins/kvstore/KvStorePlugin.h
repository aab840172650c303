#ifndef P2P_KvStore_KvStorePlugin_INCLUDED
#define P2P_KvStore_KvStorePlugin_INCLUDED

#include "Store.h"
#include "p2p/Plugin.h"
#include "p2p/Router.h"
#include <memory>

namespace p2p::kvstore {

/// Key-value pairs with the seed's contract (POST /kv, GET /kv/{key}) plus
/// PUT and DELETE, values being any JSON value, kept in a Store (SQLite by
/// default, or memory). Every write is stamped (timestamp, node id) so that
/// replicas can later agree on the newest. Handlers run on HTTP threads; the
/// store locks itself.
class KvStorePlugin: public Plugin
{
public:
	std::string name() const override;
	std::string version() const override;
	void start(NodeContext& context) override;
	void stop() override;

	/// 1..1024 bytes of valid UTF-8; throws BadRequestException.
	static void validateKey(const std::string& key);

private:
	void post(Request& request, Response& response);
	void get(Request& request, Response& response);
	void put(Request& request, Response& response);
	void remove(Request& request, Response& response);
	void store(const std::string& key, const Poco::Dynamic::Var& value, Response& response);
	Entry stamp(bool deleted, std::string value = "") const;

	NodeContext* _context = nullptr;
	std::unique_ptr<Store> _store;
};

} // namespace p2p::kvstore

#endif
