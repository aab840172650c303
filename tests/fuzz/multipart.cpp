// filestore's POST /upload through the real plugin and router: the
// first line of the input is the Content-Type header, the rest the body
// (sent with a Content-Length of its size). This reaches the plugin's own
// guards around Poco::Net::MultipartReader: a body that ends without its
// closing boundary (where the reader would ask for parts forever), too many
// parts, bad filenames, and filestore.max_upload_bytes (64 KiB here).
// Invariants:
//  - the request ends (a hang is reported by libFuzzer's -timeout, or the
//    CTest timeout of the replay);
//  - the answer is 200, 400 or 413, never a 500, sent exactly once, and a
//    JSON object; a refusal carries an "error" sentence;
//  - a 200 comes only for a body with a closing boundary, names a valid
//    file name and a size within the limit, and the
//    file is then found under that name: DELETE /files/<encoded name>
//    answers 200 (and leaves the store empty for the next input).
#include "FakeServerRequest.h"
#include "FileName.h"
#include "FileStorePlugin.h"
#include "routing/HttpRouter.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include "p2p/Membership.h"
#include "p2p/Metrics.h"
#include "p2p/NodeContext.h"
#include "p2p/PeerClient.h"
#include "p2p/ServiceRegistry.h"
#include <Poco/File.h>
#include <Poco/Logger.h>
#include <Poco/Net/MediaType.h>
#include <Poco/TemporaryFile.h>
#include <Poco/Util/MapConfiguration.h>
#include <cstdint>
#include <memory>
#include <string>

namespace {

constexpr Poco::Int64 kMaxUploadBytes = 64 * 1024;

void require(bool condition)
{
	if (!condition) __builtin_trap();
}

/// One node's filestore behind its router, with its data in a temporary
/// directory removed at exit.
class Bench
{
public:
	Bench():
		_dataDir(Poco::TemporaryFile::tempName()),
		_router(quiet(), _metrics),
		_membership({"self", "http://127.0.0.1:5000"})
	{
		Poco::Logger::root().setLevel(0); // the plugin's and router's logs are noise here
		Poco::File(_dataDir).createDirectories();
		Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
		config->setInt64("max_upload_bytes", kMaxUploadBytes);
		_context = std::make_unique<p2p::NodeContext>("filestore", _membership.self(), config, _dataDir, _router, _services,
		                                              _metrics, _membership, _peers);
		_plugin.start(*_context);
		_router.freeze();
	}

	~Bench()
	{
		_plugin.stop();
		Poco::File(_dataDir).remove(true);
	}

	p2p::HttpRouter& router() { return _router; }

private:
	static p2p::HttpRouter::Settings quiet()
	{
		p2p::HttpRouter::Settings settings;
		settings.accessLog = false;
		return settings;
	}

	std::string _dataDir;
	p2p::MetricsRegistry _metrics;
	p2p::HttpRouter _router;
	p2p::ServiceRegistry _services;
	p2p::Membership _membership;
	p2p::PeerClient _peers;
	std::unique_ptr<p2p::NodeContext> _context;
	p2p::filestore::FileStorePlugin _plugin;
};

Bench& bench()
{
	static Bench instance;
	return instance;
}

/// The answer's JSON object; traps when the router sent anything else.
Poco::JSON::Object::Ptr answerOf(p2p::fuzz::FakeServerRequest& request)
{
	require(request.fakeResponse().sends() == 1);
	try
	{
		return p2p::json::asObject(p2p::json::parse(request.fakeResponse().body()));
	}
	catch (const p2p::BadRequestException&)
	{
		__builtin_trap();
	}
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	const std::string input(reinterpret_cast<const char*>(data), size);
	const std::size_t newline = input.find('\n');
	if (newline == std::string::npos) return 0;
	const std::string contentType = input.substr(0, newline);
	const std::string body = input.substr(newline + 1);

	p2p::fuzz::FakeServerRequest upload("POST", "/upload", body);
	try
	{
		upload.setContentType(contentType);
	}
	catch (const Poco::Exception&)
	{
		return 0; // not a header value a server would have parsed
	}
	upload.setContentLength64(static_cast<Poco::Int64>(body.size()));
	bench().router().dispatch(upload, upload.fakeResponse());

	const int status = upload.fakeResponse().getStatus();
	require(status == 200 || status == 400 || status == 413);
	const auto answer = answerOf(upload);
	if (status != 200)
	{
		require(answer->has("error") && answer->get("error").isString());
		return 0;
	}
	// Stored only when complete: the body holds a closing boundary.
	const Poco::Net::MediaType type(contentType);
	require(body.find("--" + type.getParameter("boundary") + "--") != std::string::npos);
	const std::string name = p2p::json::requireString(*answer, "filename");
	p2p::filestore::FileName::validate(name); // throws out of the target: a finding
	require(answer->getValue<Poco::Int64>("size") <= kMaxUploadBytes);

	p2p::fuzz::FakeServerRequest remove("DELETE", "/files/" + p2p::filestore::FileName::encoded(name));
	bench().router().dispatch(remove, remove.fakeResponse());
	require(remove.fakeResponse().getStatus() == 200);
	require(p2p::json::requireString(*answerOf(remove), "filename") == name);
	return 0;
}
