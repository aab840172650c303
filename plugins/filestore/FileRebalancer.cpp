#include "FileRebalancer.h"

namespace p2p::filestore {

FileRebalancer::FileRebalancer(FileCatalog& catalog, std::string selfId, FileTransfers& remote,
                               std::shared_ptr<const Placement> placement, std::size_t replicas):
	_catalog(catalog),
	_selfId(std::move(selfId)),
	_remote(remote),
	_placement(std::move(placement)),
	_replicas(replicas)
{
}

bool FileRebalancer::copy(const Owner& owner, const FileInfo& info)
{
	auto file = _catalog.open(info.name);
	if (!file || file->info.sha256 != info.sha256) return false; // replaced meanwhile: the next pass
	return _remote.copy(owner, *file);
}

FileRebalancer::Pass FileRebalancer::run()
{
	Pass pass;
	for (const auto& info : _catalog.list())
	{
		if (_stopped) break;
		if (info.sha256.empty()) continue; // no metadata to compare versions with
		++pass.files;
		bool mine = false;
		bool everyOwnerHasIt = true;
		for (const auto& owner : _placement->preferenceList(info.name, _replicas))
		{
			if (owner.id == _selfId)
			{
				mine = true;
				continue;
			}
			try
			{
				if (_remote.holds(owner, info)) continue;
				if (copy(owner, info))
					++pass.copied;
				else
					everyOwnerHasIt = false;
			}
			catch (const Poco::Exception&)
			{
				everyOwnerHasIt = false;
				++pass.failed; // down, or the copy broke off: the next pass
			}
		}
		// Not ours any more, and safe with its owners: drop it, unless a
		// newer version arrived here meanwhile.
		if (!mine && everyOwnerHasIt)
		{
			const auto now = _catalog.info(info.name);
			if (now && now->sha256 == info.sha256 && _catalog.remove(info.name)) ++pass.handedOff;
		}
	}
	return pass;
}

} // namespace p2p::filestore
