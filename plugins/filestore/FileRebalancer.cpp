#include "FileRebalancer.h"
#include "FileName.h"
#include <Poco/NullStream.h>
#include <Poco/StreamCopier.h>

namespace p2p::filestore {

bool sendCopy(PeerClient& transfers, const Placement::Owner& owner, const std::string& encoded,
              FileCatalog::OpenFile& file)
{
	bool stored = false;
	transfers.stream(owner.url, "PUT", "/internal/files/" + encoded, {{PeerClient::kBodyHashHeader, file.sha256()}},
	                 file.stream.get(), static_cast<std::streamsize>(file.info.size), "application/octet-stream",
	                 [&](const Poco::Net::HTTPResponse& answer, std::istream& body) {
		                 Poco::NullOutputStream discard;
		                 Poco::StreamCopier::copyStream(body, discard);
		                 stored = answer.getStatus() == Poco::Net::HTTPResponse::HTTP_OK;
	                 });
	return stored;
}

FileRebalancer::FileRebalancer(FileCatalog& catalog, std::string selfId, PeerClient& transfers,
                               std::shared_ptr<const Placement> placement, std::size_t replicas):
	_catalog(catalog),
	_selfId(std::move(selfId)),
	_transfers(transfers),
	_placement(std::move(placement)),
	_replicas(replicas)
{
}

bool FileRebalancer::holds(const Placement::Owner& owner, const FileInfo& info, const std::string& encoded)
{
	bool same = false;
	_transfers.stream(owner.url, "HEAD", "/internal/files/" + encoded, {}, nullptr, 0, "",
	                  [&](const Poco::Net::HTTPResponse& answer, std::istream&) {
		                  same = answer.getStatus() == Poco::Net::HTTPResponse::HTTP_OK &&
		                         answer.get("ETag", "") == "\"" + info.sha256 + "\"";
	                  });
	return same;
}

bool FileRebalancer::copy(const Placement::Owner& owner, const FileInfo& info, const std::string& encoded)
{
	auto file = _catalog.open(info.name);
	if (!file || file->info.sha256 != info.sha256) return false; // replaced meanwhile: the next pass
	return sendCopy(_transfers, owner, encoded, *file);
}

FileRebalancer::Pass FileRebalancer::run()
{
	Pass pass;
	for (const auto& info : _catalog.list())
	{
		if (_stopped) break;
		if (info.sha256.empty()) continue; // no metadata to compare versions with
		++pass.files;
		const std::string encoded = FileName::encoded(info.name);
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
				if (holds(owner, info, encoded)) continue;
				if (copy(owner, info, encoded))
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
