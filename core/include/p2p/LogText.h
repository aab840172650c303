#ifndef P2P_LogText_INCLUDED
#define P2P_LogText_INCLUDED

#include "p2p/Export.h"
#include <string>

namespace p2p {

/// Text from the network as a log line may hold it: control characters
/// (C0, DEL, and C1 in their UTF-8 form) become \n, \r, \t or \xNN, so they
/// can neither forge extra lines nor reach an operator's terminal as escape
/// sequences, and a backslash is doubled so an escape cannot be faked.
P2P_API std::string printable(const std::string& text);

} // namespace p2p

#endif
