#ifndef P2P_FileStore_FileResponse_INCLUDED
#define P2P_FileStore_FileResponse_INCLUDED

#include "FileCatalog.h"
#include <string>

namespace p2p {
class Request;
class Response;
} // namespace p2p

namespace p2p::filestore {

/// Answers a GET or HEAD with a file stored here: Content-Length, a
/// Content-Type from the name's extension, ETag (the quoted SHA-256),
/// Last-Modified and Accept-Ranges; 304 for a matching If-None-Match, 206
/// for a single Range, 416 (thrown, with Content-Range: bytes */size) for
/// one past the end. With attachment, Content-Disposition makes a browser
/// save it. The bytes go with sendfile(2) over plain http, through the
/// stream over TLS.
void sendStoredFile(Request& request, Response& response, FileCatalog::OpenFile& file, bool attachment);

/// RFC 6266: a quoted name for old clients ('"' escaped; names hold no
/// control characters), the exact UTF-8 name for the rest.
std::string contentDisposition(const std::string& name);

} // namespace p2p::filestore

#endif
