#ifndef P2P_Placement_INCLUDED
#define P2P_Placement_INCLUDED

#include "p2p/Export.h"

#include "p2p/ServiceRegistry.h"
#include <string>
#include <vector>

namespace p2p {

/// Where data lives: the service the dht-router plugin provides under
/// Placement::kServiceName for kvstore, filestore and whoever needs it.
/// Implementations are thread-safe and answer from the current view of the
/// network, which may change between two calls.
class P2P_API Placement: public Service
{
public:
	static constexpr const char* kServiceName = "placement";

	struct Owner
	{
		std::string id;
		std::string url;
	};

	~Placement() override;

	/// Up to n distinct nodes responsible for key, in preference order: the
	/// first is the responsible node, the others hold its replicas. Fewer
	/// than n when the network is smaller; this node included when it is one.
	virtual std::vector<Owner> preferenceList(const std::string& key, std::size_t n) const = 0;

	/// The node responsible for key (preferenceList(key, 1)[0]).
	virtual Owner responsible(const std::string& key) const = 0;
};

} // namespace p2p

#endif
