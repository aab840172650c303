#include "cluster/PeerClientImpl.h"
#include "cluster/PeerChannels.h"
#include "http/AnswerLaterImpl.h"
#include "security/PeerSecurity.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include <Poco/CountingStream.h>
#include <atomic>
#include <unordered_map>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/String.h>
#include <Poco/URI.h>

namespace p2p {

namespace {

/// A peer's base URL, which must be http(s)://host:port.
Poco::URI peerUri(const std::string& baseUrl)
{
	Poco::URI uri;
	try
	{
		uri = Poco::URI(baseUrl);
	}
	catch (const Poco::SyntaxException&)
	{
		throw BadGatewayException("peer URL '" + baseUrl + "' is malformed");
	}
	if ((uri.getScheme() != "http" && uri.getScheme() != "https") || uri.getHost().empty())
		throw BadGatewayException("peer URL '" + baseUrl + "' is not an http(s)://host:port URL");
	return uri;
}

struct PeerAddress
{
	bool https = false;
	std::string host;
	Poco::UInt16 port = 0;
};

/// peerUri()'s parts, remembered per thread: a node sends to a few dozen
/// base URLs, a parse each time cost a forwarded request 2% of its CPU.
PeerAddress peerAddress(const std::string& baseUrl)
{
	thread_local std::unordered_map<std::string, PeerAddress> known;
	const auto found = known.find(baseUrl);
	if (found != known.end()) return found->second;
	if (known.size() >= 4096) known.clear(); // a node that was sent to many: start over
	const Poco::URI uri = peerUri(baseUrl);
	return known.emplace(baseUrl, PeerAddress{uri.getScheme() == "https", uri.getHost(), uri.getPort()}).first->second;
}

std::uint64_t nextClientId()
{
	static std::atomic<std::uint64_t> next{1};
	return next++;
}

/// The Content-SHA256 a caller declared for a body it streams, if any.
std::string declaredBodyHash(const PeerClient::Headers& headers)
{
	for (const auto& [name, value] : headers)
	{
		if (Poco::icompare(name, PeerClient::kBodyHashHeader) == 0) return value;
	}
	return "";
}

/// One request and its whole answer on session (bounded by
/// maxResponseBytes); keepAlive says whether the peer keeps it open.
PeerResponse exchange(PeerClient::Impl& client, Poco::Net::HTTPClientSession& session, const std::string& method,
                      const std::string& path, const std::string& body, const std::string& contentType,
                      const PeerClient::Headers& headers, bool& keepAlive)
{
	const PeerClient::Settings& settings = client.settings();
	Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
	request.setKeepAlive(settings.maxIdlePerPeer > 0);
	for (const auto& [name, value] : headers) request.set(name, value);
	if (!body.empty() || method == "POST" || method == "PUT")
	{
		request.setContentType(contentType);
		request.setContentLength(static_cast<std::streamsize>(body.size()));
	}
	if (client.signs()) client.sign(request, RequestSigner::sha256Hex(body), session.getHost(), session.getPort());
	session.sendRequest(request) << body;
	Poco::Net::HTTPResponse response;
	std::istream& in = session.receiveResponse(response);
	if (response.hasContentLength() && response.getContentLength64() > settings.maxResponseBytes)
		throw BadGatewayException("the answer to " + method + " " + path + " is " +
		                          std::to_string(response.getContentLength64()) + " bytes, more than the client takes");
	std::string answer;
	char buffer[8192];
	while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0)
	{
		answer.append(buffer, static_cast<std::size_t>(in.gcount()));
		if (static_cast<std::streamsize>(answer.size()) > settings.maxResponseBytes)
			throw BadGatewayException("the answer to " + method + " " + path + " is larger than the client takes");
	}
	// The body stream swallows what broke under it (a receive timeout, a
	// reset) and just ends: a cut-off answer must not pass for a whole one.
	if (const Poco::Exception* broke = session.networkException()) broke->rethrow();
	if (response.hasContentLength() && static_cast<Poco::Int64>(answer.size()) != response.getContentLength64())
		throw BadGatewayException("the answer to " + method + " " + path + " ended after " + std::to_string(answer.size()) +
		                          " of its " + std::to_string(response.getContentLength64()) + " bytes");
	keepAlive = response.getKeepAlive();
	// The heads as written and read: POCO keeps no count, so write them
	// again to a counter (a microsecond, against the round trip's tens).
	Poco::CountingOutputStream requestHead;
	request.write(requestHead);
	Poco::CountingOutputStream answerHead;
	response.write(answerHead);
	PeerResponse result{static_cast<int>(response.getStatus()), std::move(answer), response.getContentType(),
	                    response.get("ETag", "")};
	result.bytesSent = static_cast<std::size_t>(requestHead.chars()) + body.size();
	result.bytesReceived = static_cast<std::size_t>(answerHead.chars()) + result.body.size();
	return result;
}

} // namespace

PeerClient::Impl::Impl(Settings settings, std::shared_ptr<const PeerSecurity> security):
	_settings(settings),
	_security(std::move(security)),
	_id(nextClientId())
{
}

std::unique_ptr<PeerClient> PeerClient::Impl::secured(Settings settings, std::shared_ptr<const PeerSecurity> security)
{
	return std::unique_ptr<PeerClient>(new PeerClient(std::make_unique<Impl>(settings, std::move(security))));
}

PeerClient::Impl::Session PeerClient::Impl::connect(const Poco::URI& peer) const
{
	if (peer.getScheme() != "https") return std::make_unique<Poco::Net::HTTPClientSession>(peer.getHost(), peer.getPort());
	if (!_security) throw BadGatewayException("cannot reach " + peer.toString() + ": this client has no TLS settings");
	return _security->tlsSession(peer.getHost(), peer.getPort());
}

bool PeerClient::Impl::signs() const
{
	return _security && _security->signer();
}

void PeerClient::Impl::sign(Poco::Net::HTTPRequest& request, const std::string& bodyHash, const std::string& host,
                            Poco::UInt16 port) const
{
	if (!signs()) return;
	for (const auto& [name, value] : _security->sign(request.getMethod(), request.getURI(), bodyHash, host, port))
		request.set(name, value);
}

PeerClient::Impl::Session PeerClient::Impl::acquire(const std::string& key, const Poco::URI& peer, bool& reused)
{
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		auto& idle = _idle[key];
		if (!idle.empty())
		{
			Session session = std::move(idle.back());
			idle.pop_back();
			reused = true;
			return session;
		}
	}
	reused = false;
	Session session = connect(peer);
	session->setKeepAlive(_settings.maxIdlePerPeer > 0);
	session->setKeepAliveTimeout(_settings.keepAlive);
	session->setTimeout(_settings.connectTimeout, _settings.requestTimeout, _settings.requestTimeout);
	return session;
}

void PeerClient::Impl::release(const std::string& key, Session session)
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	auto& idle = _idle[key];
	if (idle.size() < _settings.maxIdlePerPeer) idle.push_back(std::move(session));
}

std::size_t PeerClient::Impl::idleConnections() const
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	std::size_t count = 0;
	for (const auto& [key, idle] : _idle) count += idle.size();
	return count;
}

PeerClient::PeerClient(): PeerClient(Settings())
{
}

PeerClient::PeerClient(Settings settings): _impl(std::make_unique<Impl>(settings, nullptr))
{
}

PeerClient::PeerClient(Settings settings, const PeerClient& sameSecurityAs):
	_impl(std::make_unique<Impl>(settings, sameSecurityAs._impl->security()))
{
}

PeerClient::PeerClient(std::unique_ptr<Impl> impl): _impl(std::move(impl))
{
}

PeerClient::~PeerClient() = default;

namespace {

/// The method a message outside HTTP is signed under, so a signature can
/// never pass for an HTTP request's, nor the other way round.
const std::string kMessageMethod = "MESSAGE";

} // namespace

bool PeerClient::signsMessages() const
{
	return _impl->signs();
}

std::string PeerClient::signMessage(const std::string& channel, const std::string& body) const
{
	if (!signsMessages()) return "";
	RequestSignature claim;
	for (const auto& [name, value] : _impl->security()->signer()->sign(kMessageMethod, channel, RequestSigner::sha256Hex(body)))
	{
		if (name == RequestSigner::NodeHeader) claim.node = value;
		else if (name == RequestSigner::TimeHeader) claim.time = value;
		else if (name == RequestSigner::SignatureHeader) claim.signature = value;
	}
	return claim.node + " " + claim.time + " " + claim.signature;
}

std::string PeerClient::verifyMessage(const std::string& channel, const std::string& body, const std::string& signature) const
{
	if (!signsMessages()) return "";
	RequestSignature claim;
	const std::size_t first = signature.find(' ');
	const std::size_t second = first == std::string::npos ? std::string::npos : signature.find(' ', first + 1);
	if (second == std::string::npos) throw UnauthorizedException("the message is not signed with the cluster secret");
	claim.node = signature.substr(0, first);
	claim.time = signature.substr(first + 1, second - first - 1);
	claim.signature = signature.substr(second + 1);
	claim.bodyHash = RequestSigner::sha256Hex(body);
	return _impl->security()->signer()->verify(kMessageMethod, channel, claim.bodyHash, claim);
}

Poco::Timespan PeerClient::hedgeDelay() const
{
	return _impl->latencies().hedgeDelay();
}

std::size_t PeerClient::idleConnections() const
{
	return _impl->idleConnections();
}

PeerResponse PeerClient::send(const std::string& baseUrl, const std::string& method, const std::string& path,
                              const std::string& body, const std::string& contentType, const Headers& headers)
{
	const Poco::URI uri = peerUri(baseUrl);
	const std::string key = uri.getScheme() + "://" + uri.getHost() + ":" + std::to_string(uri.getPort());

	for (int attempt = 0;; ++attempt)
	{
		bool reused = false;
		Impl::Session session;
		try
		{
			session = _impl->acquire(key, uri, reused);
			bool keepAlive = false;
			PeerResponse response = exchange(*_impl, *session, method, path, body, contentType, headers, keepAlive);
			if (keepAlive) _impl->release(key, std::move(session));
			return response;
		}
		catch (const Poco::TimeoutException&)
		{
			throw GatewayTimeoutException("node " + baseUrl + " did not answer " + method + " " + path + " in time (" +
			                              std::to_string(_impl->settings().connectTimeout.totalMilliseconds()) + " ms to connect, " +
			                              std::to_string(_impl->settings().requestTimeout.totalMilliseconds()) + " ms to answer)");
		}
		catch (const BadGatewayException&)
		{
			throw; // the peer answered, wrongly: nothing to try again
		}
		catch (const Poco::Exception& exc)
		{
			// A pooled connection the peer closed meanwhile fails at once;
			// that is no news about the peer, so try a fresh connection.
			if (reused && attempt == 0) continue;
			throw BadGatewayException("cannot reach node " + baseUrl + " for " + method + " " + path + ": " + exc.displayText());
		}
	}
}

void PeerClient::sendAsync(const AnswerLater& on, const std::string& baseUrl, const std::string& method,
                           const std::string& path, const std::string& body, const std::string& contentType,
                           const Headers& headers, Completion done, Poco::Timespan within)
{
	PeerAddress peer = peerAddress(baseUrl);
	if (peer.https)
	{
		try
		{
			PeerResponse answer = send(baseUrl, method, path, body, contentType, headers);
			done(&answer, nullptr);
		}
		catch (const Poco::Exception& exc)
		{
			done(nullptr, &exc);
		}
		return;
	}
	// The request as send() writes it, signed the same way.
	const Settings& settings = _impl->settings();
	PeerChannels::Call call;
	call.host = std::move(peer.host);
	call.port = peer.port;
	call.headRequest = method == "HEAD";
	call.safe = (method == "GET" || method == "HEAD") && body.empty();
	if (within > 0) call.deadline = Poco::Timestamp() + within.totalMicroseconds();
	std::string& bytes = call.bytes;
	bytes.reserve(256 + body.size());
	bytes.append(method).append(" ").append(path).append(" HTTP/1.1\r\nHost: ").append(call.host).append(":");
	bytes.append(std::to_string(call.port)).append(settings.maxIdlePerPeer > 0 ? "\r\nConnection: keep-alive\r\n" : "\r\nConnection: close\r\n");
	for (const auto& [name, value] : headers) bytes.append(name).append(": ").append(value).append("\r\n");
	if (!body.empty() || method == "POST" || method == "PUT")
		bytes.append("Content-Type: ").append(contentType).append("\r\nContent-Length: ").append(std::to_string(body.size())).append("\r\n");
	if (_impl->signs())
	{
		// Signed as it goes onto its connection, and anew if it goes again
		// (its connection failed under it): the receiver takes each nonce
		// once, and within a window of the numbers sent to it, which a call
		// numbered long before it was written could fall behind.
		call.sign = [security = _impl->security(), method, path, bodyHash = RequestSigner::sha256Hex(body),
		             host = call.host, port = call.port, at = bytes.size(), length = std::size_t(0)](std::string& request) mutable {
			std::string lines;
			for (const auto& [name, value] : security->sign(method, path, bodyHash, host, port))
				lines.append(name).append(": ").append(value).append("\r\n");
			request.replace(at, length, lines);
			length = lines.size();
		};
	}
	bytes.append("\r\n").append(body);

	EventLoop& loop = on.impl()->loop();
	// Answers are timed for hedgeDelay(); failures are not: a timeout says
	// nothing about how long answers take.
	Completion timed = [latencies = &_impl->latencies(), sent = Poco::Timestamp(), done = std::move(done)](
							   PeerResponse* answer, const Poco::Exception* error) {
		if (answer) latencies->record(sent.elapsed());
		done(answer, error);
	};
	auto task = [&loop, id = _impl->id(), settings, call = std::move(call), done = std::move(timed)]() mutable {
		auto& channels = loop.local<PeerChannels>(id, [&loop, &settings] { return std::make_shared<PeerChannels>(loop, settings); });
		channels.send(std::move(call), std::move(done));
	};
	if (loop.inLoopThread())
		task();
	else
		loop.post(std::move(task));
}

void PeerClient::stream(const std::string& baseUrl, const std::string& method, const std::string& path,
                        const Headers& headers, std::istream* body, std::streamsize length,
                        const std::string& contentType, const AnswerReader& onAnswer, bool* nothingSent)
{
	if (nothingSent) *nothingSent = true;
	const Poco::URI uri = peerUri(baseUrl);
	Impl::Session connection = _impl->connect(uri);
	Poco::Net::HTTPClientSession& session = *connection;
	session.setKeepAlive(false);
	session.setTimeout(_impl->settings().connectTimeout, _impl->settings().requestTimeout, _impl->settings().requestTimeout);
	Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
	request.setKeepAlive(false);
	for (const auto& [name, value] : headers) request.set(name, value);
	if (body)
	{
		request.setContentType(contentType);
		if (length >= 0)
			request.setContentLength64(length);
		else
			request.setChunkedTransferEncoding(true);
	}
	// The body goes out as it arrives, before anyone could hash it, unless
	// the caller knew its hash.
	const std::string declared = declaredBodyHash(headers);
	_impl->sign(request, !body ? RequestSigner::EmptyBodyHash : declared.empty() ? RequestSigner::UnsignedPayload : declared,
	            uri.getHost(), uri.getPort());
	std::ostream* out = nullptr;
	try
	{
		out = &session.sendRequest(request);
	}
	catch (const Poco::TimeoutException&)
	{
		throw GatewayTimeoutException("node " + baseUrl + " did not take " + method + " " + path + " in time");
	}
	catch (const Poco::Exception& exc)
	{
		throw BadGatewayException("cannot reach node " + baseUrl + " for " + method + " " + path + ": " + exc.displayText());
	}
	if (nothingSent) *nothingSent = false;
	try
	{
		if (body)
		{
			char buffer[64 * 1024];
			std::streamsize copied = 0;
			while (body->read(buffer, sizeof(buffer)) || body->gcount() > 0)
			{
				out->write(buffer, body->gcount());
				copied += body->gcount();
				if (!*out) throw Poco::IOException("the connection broke while sending");
			}
			// A source that ends short (its own client went away) must not
			// leave the peer waiting for the rest: dropping the connection
			// tells it the body is incomplete.
			if (length >= 0 && copied < length)
				throw BadRequestException("the body ended after " + std::to_string(copied) + " of its " +
				                          std::to_string(length) + " bytes");
		}
		out->flush();
		Poco::Net::HTTPResponse response;
		std::istream& in = session.receiveResponse(response);
		onAnswer(response, in);
	}
	// Failures the caller's own code already named go on as they are.
	catch (const BadGatewayException&)
	{
		throw;
	}
	catch (const ServiceUnavailableException&)
	{
		throw;
	}
	catch (const InsufficientStorageException&)
	{
		throw;
	}
	catch (const Poco::TimeoutException&)
	{
		throw GatewayTimeoutException("node " + baseUrl + " did not answer " + method + " " + path + " in time");
	}
	catch (const Poco::Net::NetException& exc)
	{
		throw BadGatewayException("node " + baseUrl + " broke off " + method + " " + path + ": " + exc.displayText());
	}
	catch (const Poco::IOException& exc)
	{
		throw BadGatewayException("node " + baseUrl + " broke off " + method + " " + path + ": " + exc.displayText());
	}
}

PeerResponse PeerClient::sendJson(const std::string& baseUrl, const std::string& method, const std::string& path,
                                  const Poco::Dynamic::Var& value)
{
	return send(baseUrl, method, path, json::stringify(value), "application/json");
}

} // namespace p2p
