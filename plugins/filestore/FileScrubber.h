#ifndef P2P_FileStore_FileScrubber_INCLUDED
#define P2P_FileStore_FileScrubber_INCLUDED

#include "FileCatalog.h"
#include "FileTransfers.h"
#include <atomic>
#include <memory>

namespace p2p::filestore {

/// Reads every stored file back and hashes it, as ZFS and Ceph scrub: a
/// copy whose bytes no longer match the SHA-256 it was stored with (a bad
/// sector, a stray write) is dropped, so it is never served,
/// and fetched again from another owner that holds the version whole. At
/// most bytesPerSecond are read, so a scrub never crowds out the node's
/// own traffic. Runs on the plugin's scrub timer, one pass at a time;
/// stop() from any thread ends a pass between two reads.
class FileScrubber
{
public:
	struct Pass
	{
		std::size_t files = 0;    ///< files hashed
		Poco::UInt64 bytes = 0;   ///< bytes read
		std::size_t damaged = 0;  ///< copies that did not match, dropped
		std::size_t healed = 0;   ///< of those, fetched whole from another owner
	};

	/// placement null: this node alone keeps its files (damaged ones are dropped only).
	FileScrubber(FileCatalog& catalog, std::string selfId, FileTransfers* remote, std::shared_ptr<const Placement> placement,
	             std::size_t replicas, Poco::UInt64 bytesPerSecond);

	Pass run();
	void stop() { _stopped = true; }

private:
	/// Whether the file's bytes still hash to its SHA-256; paces the reading.
	bool intact(FileCatalog::OpenFile& file, Pass& pass, const Poco::Timestamp& started);
	bool heal(const FileInfo& info);

	FileCatalog& _catalog;
	const std::string _selfId;
	FileTransfers* const _remote;
	const std::shared_ptr<const Placement> _placement;
	const std::size_t _replicas;
	const Poco::UInt64 _bytesPerSecond;
	std::atomic<bool> _stopped{false};
};

} // namespace p2p::filestore

#endif
