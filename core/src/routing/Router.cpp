#include "p2p/Router.h"

namespace p2p {

Router::~Router() = default;

} // namespace p2p
