#ifndef P2P_Test_TestkitService_INCLUDED
#define P2P_Test_TestkitService_INCLUDED

#include "p2p/ServiceRegistry.h"
#include <string>

namespace p2p::test {

/// What the testkit plugin offers other plugins, to test services and
/// start order across two separately loaded libraries.
class TestkitService: public Service
{
public:
	virtual std::string greeting() const = 0;
};

} // namespace p2p::test

#endif
