#include "support/FreeMemory.h"
#include <malloc.h>

namespace p2p {

void returnFreeMemory()
{
	malloc_trim(0);
}

} // namespace p2p
