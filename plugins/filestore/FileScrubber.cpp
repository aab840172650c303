#include "FileScrubber.h"
#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>
#include <Poco/Thread.h>

namespace p2p::filestore {

FileScrubber::FileScrubber(FileCatalog& catalog, std::string selfId, FileTransfers* remote,
                           std::shared_ptr<const Placement> placement, std::size_t replicas, Poco::UInt64 bytesPerSecond):
	_catalog(catalog),
	_selfId(std::move(selfId)),
	_remote(remote),
	_placement(std::move(placement)),
	_replicas(replicas),
	_bytesPerSecond(bytesPerSecond)
{
}

FileScrubber::Pass FileScrubber::run()
{
	Pass pass;
	const Poco::Timestamp started;
	for (const auto& listed : _catalog.list())
	{
		if (_stopped) break;
		auto file = _catalog.open(listed.name);
		if (!file || file->info.sha256.empty()) continue; // gone meanwhile, or put there by hand without metadata
		++pass.files;
		if (intact(*file, pass, started)) continue;
		// Only this version: an upload that replaced it meanwhile stays.
		const FileInfo damaged = file->info;
		file.reset();
		if (_catalog.removeStoredBy(damaged.name, damaged.modified) != FileCatalog::Removal::Removed) continue;
		++pass.damaged;
		if (heal(damaged)) ++pass.healed;
	}
	return pass;
}

bool FileScrubber::intact(FileCatalog::OpenFile& file, Pass& pass, const Poco::Timestamp& started)
{
	Poco::SHA2Engine sha256;
	char buffer[kBufferBytes];
	Poco::UInt64 size = 0;
	while (!_stopped && (file.stream->read(buffer, sizeof(buffer)) || file.stream->gcount() > 0))
	{
		const auto n = static_cast<std::size_t>(file.stream->gcount());
		sha256.update(buffer, n);
		size += n;
		pass.bytes += n;
		// Ahead of the pace: wait until the bytes read so far are due.
		const Poco::Timestamp::TimeDiff due =
			_bytesPerSecond == 0 ? 0 : static_cast<Poco::Timestamp::TimeDiff>(pass.bytes * 1000000 / _bytesPerSecond);
		if (due > started.elapsed() + 1000) Poco::Thread::sleep(static_cast<long>((due - started.elapsed()) / 1000));
	}
	if (_stopped) return true; // not known: left as it is
	return size == file.info.size && Poco::DigestEngine::digestToHex(sha256.digest()) == file.info.sha256;
}

bool FileScrubber::heal(const FileInfo& info)
{
	if (!_remote || !_placement) return false;
	for (const auto& owner : _placement->preferenceList(info.name, _replicas))
	{
		if (owner.id == _selfId) continue;
		try
		{
			if (_remote->fetch(owner, info, _catalog)) return true;
		}
		catch (const Poco::Exception&)
		{
			// the next owner, or the owners' rebalancing later
		}
	}
	return false;
}

} // namespace p2p::filestore
