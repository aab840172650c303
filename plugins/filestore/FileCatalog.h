#ifndef P2P_FileStore_FileCatalog_INCLUDED
#define P2P_FileStore_FileCatalog_INCLUDED

#include <Poco/Mutex.h>
#include <Poco/SHA2Engine.h>
#include <Poco/Timestamp.h>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace p2p::filestore {

struct FileInfo
{
	std::string name;
	Poco::UInt64 size = 0;
	std::string sha256; ///< hex
	Poco::Timestamp modified;

	/// The version's entity tag, the quoted SHA-256, as downloads carry it
	/// and version checks between nodes compare it.
	std::string etag() const { return "\"" + sha256 + "\""; }
};

/// What file bytes are read, written and relayed in: large enough that a
/// transfer costs few system calls, small enough for many at once.
constexpr std::size_t kBufferBytes = 64 * 1024;

/// The files of one node, all under its data directory: files/<name>
/// holds the bytes, meta/<name>.json the size, SHA-256 and time, tmp/
/// the uploads in progress. Names are FileName-checked by the caller, so a
/// name is one path component and cannot leave these folders.
///
/// An upload is written to a temporary file as it arrives and renamed
/// into place only when complete (after an fsync), so a reader sees the
/// old file or the new one, never part of one, and a failed or abandoned
/// upload leaves nothing (the Upload's destructor removes its file; tmp/
/// is emptied at start-up after a crash). Thread-safe: renames and the
/// pairing of a file with its metadata happen under one mutex; the bytes
/// are written and read outside it.
class FileCatalog
{
public:
	/// A file being received: a temporary file and a running SHA-256.
	/// Used by one thread; removed on destruction unless committed.
	class Upload
	{
	public:
		Upload(FileCatalog& catalog, std::string tempPath);
		~Upload();
		Upload(const Upload&) = delete;
		Upload& operator=(const Upload&) = delete;

		/// Throws InsufficientStorageException (507) when the disk is
		/// full, Poco::IOException for other write errors.
		void write(const char* data, std::size_t length);
		Poco::UInt64 size() const { return _size; }

		/// Makes it the file called name, replacing any earlier one atomically.
		/// `uploaded`: when this version was first stored, for a copy of it
		/// (a later delete compares against that); now when not given.
		FileInfo commit(const std::string& name, std::optional<Poco::Timestamp> uploaded = std::nullopt);
		/// commit() only while no file is stored under name (a repair of a
		/// dropped copy, which an upload meanwhile must win over); nothing
		/// when one is.
		std::optional<FileInfo> restore(const std::string& name, Poco::Timestamp uploaded);

		/// Ends writing and opens what was received for reading, to send it
		/// on to the nodes that own the file; still removed on destruction.
		std::unique_ptr<std::ifstream> reread();
		std::string sha256() { return _digest.empty() ? (_digest = Poco::DigestEngine::digestToHex(_sha256.digest())) : _digest; }

	private:
		std::optional<FileInfo> store(const std::string& name, std::optional<Poco::Timestamp> uploaded, bool onlyIfAbsent);

		FileCatalog& _catalog;
		std::string _path;
		int _fd = -1;
		Poco::UInt64 _size = 0;
		Poco::SHA2Engine _sha256;
		std::string _digest;
		bool _committed = false;
	};

	/// A stored file opened for reading, with its metadata: as a stream,
	/// and as a descriptor of the same file for sendfile(2).
	struct OpenFile
	{
		FileInfo info;
		std::unique_ptr<std::ifstream> stream;
		int fd = -1;

		OpenFile() = default;
		OpenFile(OpenFile&& other) noexcept: info(std::move(other.info)), stream(std::move(other.stream)), fd(other.fd) { other.fd = -1; }
		OpenFile& operator=(OpenFile&&) = delete;
		~OpenFile();

		/// The hex SHA-256 of these bytes: from the metadata, or read from
		/// the file when it has none (one put there by hand), leaving the
		/// stream at its start either way. Copies to other nodes declare it.
		std::string sha256();
	};

	/// Creates the folders; removes uploads a crash left in tmp/.
	explicit FileCatalog(const std::string& dataDir);

	std::unique_ptr<Upload> begin();
	std::optional<OpenFile> open(const std::string& name);
	std::optional<FileInfo> info(const std::string& name);
	/// Every stored file, sorted by name.
	std::vector<FileInfo> list();
	bool remove(const std::string& name);
	enum class Removal
	{
		Removed,
		Missing,
		Newer ///< stored after `storedBy`: kept
	};
	/// Removes name only if its copy here was stored by storedBy: a delete
	/// that comes late (or is replayed) never takes a newer upload with it.
	Removal removeStoredBy(const std::string& name, Poco::Timestamp storedBy);

	/// Stored files, counted without reading their metadata (for metrics).
	std::size_t count();
	/// Uploads in progress (files in tmp/), for tests and metrics.
	std::size_t pendingUploads();

private:
	std::optional<FileInfo> readInfo(const std::string& name);
	/// The file and its metadata, under _mutex; whether there was a file.
	bool removeLocked(const std::string& name);
	std::string filePath(const std::string& name) const;
	std::string metaPath(const std::string& name) const;

	const std::string _files;
	const std::string _meta;
	const std::string _tmp;
	Poco::FastMutex _mutex;
};

} // namespace p2p::filestore

#endif
