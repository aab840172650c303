#ifndef P2P_Export_INCLUDED
#define P2P_Export_INCLUDED

/// libp2p-core is built with -fvisibility=hidden: it exports what carries
/// this mark and nothing else, so a plugin can only link against the API in
/// p2p/ (and the few core classes the node's executable shares with it),
/// never against the node's machinery. A plugin built with hidden
/// visibility exports only its P2P_EXPORT_PLUGIN entry points.
#if defined(__GNUC__)
#define P2P_API __attribute__((visibility("default")))
#else
#define P2P_API
#endif

#endif
