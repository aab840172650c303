#include "FileTransfers.h"

namespace p2p::filestore {

FileTransfers::~FileTransfers() = default;

} // namespace p2p::filestore
