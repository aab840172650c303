#include "FileCatalog.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/Path.h>
#include <Poco/SHA1Engine.h>
#include <Poco/UUIDGenerator.h>
#include <Poco/SHA2Engine.h>
#include <algorithm>
#include <vector>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace p2p::filestore {

namespace {

std::string folder(const std::string& dataDir, const std::string& name)
{
	Poco::Path path(dataDir);
	path.makeDirectory().pushDirectory(name);
	Poco::File(path).createDirectories();
	return path.toString();
}

void fail(const std::string& what)
{
	if (errno == ENOSPC || errno == EDQUOT)
		throw InsufficientStorageException("the node's disk is full while " + what);
	throw Poco::IOException(what + ": " + std::strerror(errno));
}

} // namespace

FileCatalog::Upload::Upload(FileCatalog& catalog, std::string tempPath):
	_catalog(catalog),
	_path(std::move(tempPath)),
	_sha256(Poco::SHA2Engine::SHA_256)
{
	_fd = ::open(_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (_fd < 0) fail("creating a temporary file for an upload");
}

FileCatalog::Upload::~Upload()
{
	if (_fd >= 0) ::close(_fd);
	if (!_committed) ::unlink(_path.c_str());
}

void FileCatalog::Upload::write(const char* data, std::size_t length)
{
	_sha256.update(data, length);
	while (length > 0)
	{
		const ssize_t written = ::write(_fd, data, length);
		if (written < 0)
		{
			if (errno == EINTR) continue;
			fail("writing an upload");
		}
		data += written;
		length -= static_cast<std::size_t>(written);
		_size += static_cast<Poco::UInt64>(written);
	}
}

FileInfo FileCatalog::Upload::commit(const std::string& name, std::optional<Poco::Timestamp> uploaded)
{
	return *store(name, uploaded, false);
}

std::optional<FileInfo> FileCatalog::Upload::restore(const std::string& name, Poco::Timestamp uploaded)
{
	return store(name, uploaded, true);
}

std::optional<FileInfo> FileCatalog::Upload::store(const std::string& name, std::optional<Poco::Timestamp> uploaded,
                                                   bool onlyIfAbsent)
{
	// On disk before it has a name: a crash then leaves the old file or the
	// complete new one.
	if (::fsync(_fd) != 0) fail("saving an upload");
	::close(_fd);
	_fd = -1;
	FileInfo info;
	info.name = name;
	info.size = _size;
	info.sha256 = sha256();
	if (uploaded) info.modified = *uploaded;

	auto meta = json::object();
	meta->set("name", name);
	meta->set("size", info.size);
	meta->set("sha256", info.sha256);
	meta->set("modified", info.modified.epochMicroseconds());
	const std::string metaTemp = _path + ".meta";
	// Whatever fails below, the temporary metadata goes (the upload's own
	// file goes with the Upload unless committed).
	struct RemoveOnExit
	{
		const std::string& path;
		~RemoveOnExit() { ::unlink(path.c_str()); }
	} removeMeta{metaTemp};
	try
	{
		Poco::FileOutputStream out(metaTemp);
		out << json::stringify(meta);
		out.close();
		if (!out.good()) fail("saving an upload's metadata");
	}
	catch (const Poco::FileException&)
	{
		fail("saving an upload's metadata");
	}
	Poco::FastMutex::ScopedLock lock(_catalog._mutex);
	// A repair never replaces what a client stored meanwhile.
	if (onlyIfAbsent && Poco::File(_catalog.filePath(name)).exists()) return std::nullopt;
	if (::rename(_path.c_str(), _catalog.filePath(name).c_str()) != 0) fail("storing an upload");
	_committed = true;
	// After the bytes: a reader in between finds metadata that does not
	// match the file's size, and serves it without an ETag.
	if (::rename(metaTemp.c_str(), _catalog.metaPath(name).c_str()) != 0) fail("storing an upload's metadata");
	return info;
}

std::unique_ptr<std::ifstream> FileCatalog::Upload::reread()
{
	if (_fd >= 0)
	{
		::close(_fd);
		_fd = -1;
	}
	auto in = std::make_unique<std::ifstream>(_path, std::ios::binary);
	if (!*in) throw Poco::IOException("cannot read back an upload");
	return in;
}

FileCatalog::FileCatalog(const std::string& dataDir):
	_files(folder(dataDir, "files")),
	_meta(folder(dataDir, "meta")),
	_tmp(folder(dataDir, "tmp"))
{
	for (Poco::DirectoryIterator it(_tmp), end; it != end; ++it) it->remove(true);
}

std::string FileCatalog::filePath(const std::string& name) const
{
	return _files + name;
}

std::string FileCatalog::metaPath(const std::string& name) const
{
	// By a digest of the name: "<name>.json" would be longer than a file
	// name may be for names near 255 bytes.
	Poco::SHA1Engine sha1;
	sha1.update(name);
	return _meta + Poco::DigestEngine::digestToHex(sha1.digest()) + ".json";
}

std::unique_ptr<FileCatalog::Upload> FileCatalog::begin()
{
	return std::make_unique<Upload>(*this, _tmp + Poco::UUIDGenerator::defaultGenerator().createRandom().toString() + ".part");
}

std::optional<FileInfo> FileCatalog::readInfo(const std::string& name)
{
	Poco::File file(filePath(name));
	if (!file.exists() || !file.isFile()) return std::nullopt;
	FileInfo info;
	info.name = name;
	info.size = file.getSize();
	info.modified = file.getLastModified();
	try
	{
		Poco::FileInputStream in(metaPath(name));
		std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
		auto meta = json::asObject(json::parse(text));
		// Only metadata written for these very bytes (same name and size).
		if (meta->optValue<std::string>("name", "") == name && meta->optValue<Poco::UInt64>("size", 0) == info.size)
		{
			info.sha256 = meta->optValue<std::string>("sha256", "");
			info.modified = Poco::Timestamp(meta->optValue<Poco::Int64>("modified", info.modified.epochMicroseconds()));
		}
	}
	catch (const Poco::Exception&)
	{
		// A file without metadata (put there by hand): served without an ETag.
	}
	return info;
}

FileCatalog::OpenFile::~OpenFile()
{
	if (fd >= 0) ::close(fd);
}

std::string FileCatalog::OpenFile::sha256()
{
	if (!info.sha256.empty()) return info.sha256;
	Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
	std::vector<char> buffer(64 * 1024);
	while (stream->read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || stream->gcount() > 0)
		engine.update(buffer.data(), static_cast<unsigned>(stream->gcount()));
	stream->clear();
	stream->seekg(0);
	info.sha256 = Poco::DigestEngine::digestToHex(engine.digest());
	return info.sha256;
}

std::optional<FileCatalog::OpenFile> FileCatalog::open(const std::string& name)
{
	Poco::FastMutex::ScopedLock lock(_mutex); // the bytes and the metadata of the same version
	auto info = readInfo(name);
	if (!info) return std::nullopt;
	OpenFile file;
	file.stream = std::make_unique<std::ifstream>(filePath(name), std::ios::binary);
	file.fd = ::open(filePath(name).c_str(), O_RDONLY | O_CLOEXEC);
	if (!*file.stream || file.fd < 0) return std::nullopt;
	file.info = std::move(*info);
	return std::optional<OpenFile>(std::move(file));
}

std::optional<FileInfo> FileCatalog::info(const std::string& name)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	return readInfo(name);
}

std::vector<FileInfo> FileCatalog::list()
{
	std::vector<std::string> names;
	for (Poco::DirectoryIterator it(_files), end; it != end; ++it)
		if (it->isFile()) names.push_back(it.name());
	std::sort(names.begin(), names.end());
	std::vector<FileInfo> files;
	Poco::FastMutex::ScopedLock lock(_mutex);
	for (const auto& name : names)
		if (auto info = readInfo(name)) files.push_back(std::move(*info));
	return files;
}

bool FileCatalog::remove(const std::string& name)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	return removeLocked(name);
}

bool FileCatalog::removeLocked(const std::string& name)
{
	const bool removed = ::unlink(filePath(name).c_str()) == 0;
	::unlink(metaPath(name).c_str());
	return removed;
}

FileCatalog::Removal FileCatalog::removeStoredBy(const std::string& name, Poco::Timestamp storedBy)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	const auto stored = readInfo(name);
	if (!stored) return Removal::Missing;
	if (stored->modified > storedBy) return Removal::Newer;
	removeLocked(name);
	return Removal::Removed;
}

std::size_t FileCatalog::count()
{
	std::size_t files = 0;
	for (Poco::DirectoryIterator it(_files), end; it != end; ++it) files += it->isFile() ? 1 : 0;
	return files;
}

std::size_t FileCatalog::pendingUploads()
{
	std::size_t count = 0;
	for (Poco::DirectoryIterator it(_tmp), end; it != end; ++it) ++count;
	return count;
}

} // namespace p2p::filestore
