#include "Store.h"

namespace p2p::kvstore {

Store::~Store() = default;

} // namespace p2p::kvstore
