#include "p2p/Placement.h"

namespace p2p {

// Out of line so the type information lives in libp2p-core, and plugins that
// find the service with dynamic_pointer_cast agree on the type.
Placement::~Placement() = default;

} // namespace p2p
