#include "p2p/Forwarder.h"

namespace p2p {

// Out of line so the type information lives in libp2p-core (see Placement.cpp).
Forwarder::~Forwarder() = default;

} // namespace p2p
