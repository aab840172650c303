#include "HttpFileTransfers.h"
#include "FileName.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/NullStream.h>
#include <Poco/StreamCopier.h>

namespace p2p::filestore {

HttpFileTransfers::HttpFileTransfers(PeerClient& bulk, PeerClient& pooled): _bulk(bulk), _pooled(pooled)
{
}

bool HttpFileTransfers::holds(const Owner& owner, const FileInfo& info)
{
	bool same = false;
	_bulk.stream(owner.url, "HEAD", kFilePath + FileName::encoded(info.name), {}, nullptr, 0, "",
	             [&](const Poco::Net::HTTPResponse& answer, std::istream&) {
		             same = answer.getStatus() == Poco::Net::HTTPResponse::HTTP_OK &&
		                    answer.get("ETag", "") == info.etag();
	             });
	return same;
}

bool HttpFileTransfers::copy(const Owner& owner, FileCatalog::OpenFile& file)
{
	bool stored = false;
	// The version keeps the time it was first stored, on every copy, so a
	// delete is measured against the upload, not against when a copy came.
	_bulk.stream(owner.url, "PUT",
	             kFilePath + FileName::encoded(file.info.name) +
	                 "?uploaded=" + std::to_string(file.info.modified.epochMicroseconds()),
	             {{PeerClient::kBodyHashHeader, file.sha256()}}, file.stream.get(),
	             static_cast<std::streamsize>(file.info.size), "application/octet-stream",
	             [&](const Poco::Net::HTTPResponse& answer, std::istream& body) {
		             Poco::NullOutputStream discard;
		             Poco::StreamCopier::copyStream(body, discard);
		             stored = answer.getStatus() == Poco::Net::HTTPResponse::HTTP_OK;
	             });
	return stored;
}

bool HttpFileTransfers::remove(const Owner& owner, const std::string& name, Poco::Timestamp storedBy)
{
	// In the target, so that the signature covers it.
	return _pooled.send(owner.url, "DELETE", kFilePath + FileName::encoded(name) + "?stored_by=" +
	                                             std::to_string(storedBy.epochMicroseconds()))
	           .status == 200;
}

std::vector<FileInfo> HttpFileTransfers::list(const Owner& owner)
{
	const PeerResponse answer = _pooled.send(owner.url, "GET", kFilesPath);
	if (answer.status != 200) throw BadGatewayException(owner.id + " answered " + std::to_string(answer.status) + " to a listing");
	std::vector<FileInfo> files;
	const auto list = json::asObject(json::parse(answer.body))->getArray("files");
	for (std::size_t i = 0; list && i < list->size(); ++i)
	{
		const auto item = list->getObject(static_cast<unsigned>(i));
		if (item) files.push_back(parseDescription(*item));
	}
	return files;
}

bool HttpFileTransfers::fetch(const Owner& owner, const FileInfo& info, FileCatalog& catalog)
{
	auto upload = catalog.begin();
	bool whole = false;
	_bulk.stream(owner.url, "GET", kFilePath + FileName::encoded(info.name), {}, nullptr, 0, "",
	             [&](const Poco::Net::HTTPResponse& answer, std::istream& body) {
		             if (answer.getStatus() != Poco::Net::HTTPResponse::HTTP_OK || answer.get("ETag", "") != info.etag()) return;
		             char buffer[kBufferBytes];
		             while (body.read(buffer, sizeof(buffer)) || body.gcount() > 0)
			             upload->write(buffer, static_cast<std::size_t>(body.gcount()));
		             whole = upload->size() == info.size && upload->sha256() == info.sha256;
	             });
	if (!whole) return false; // the upload's destructor removes what came
	return upload->restore(info.name, info.modified).has_value();
}

Poco::JSON::Object::Ptr HttpFileTransfers::describe(const FileInfo& info)
{
	auto item = json::object();
	item->set("filename", info.name);
	item->set("size", info.size);
	item->set("sha256", info.sha256);
	item->set("modified", Poco::DateTimeFormatter::format(info.modified, Poco::DateTimeFormat::ISO8601_FORMAT));
	return item;
}

FileInfo HttpFileTransfers::parseDescription(const Poco::JSON::Object& item)
{
	FileInfo info;
	info.name = item.optValue<std::string>("filename", "");
	info.size = item.optValue<Poco::UInt64>("size", 0);
	info.sha256 = item.optValue<std::string>("sha256", "");
	Poco::DateTime modified;
	int zone = 0;
	if (Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FORMAT, item.optValue<std::string>("modified", ""),
	                                   modified, zone))
	{
		modified.makeUTC(zone);
		info.modified = modified.timestamp();
	}
	return info;
}

} // namespace p2p::filestore
