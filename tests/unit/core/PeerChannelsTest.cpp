#include "LoopbackServer.h"
#include "RunningLoop.h"
#include "event/EventLoops.h"
#include "http/AnswerLaterImpl.h"
#include "p2p/Errors.h"
#include "p2p/PeerClient.h"
#include <Poco/Net/ServerSocket.h>
#include <Poco/Thread.h>
#include <cppunit/extensions/HelperMacros.h>
#include <future>

using p2p::AnswerLater;
using p2p::PeerClient;
using p2p::PeerResponse;
using p2p::test::LoopbackServer;
using p2p::test::OnLoop;
using p2p::test::RunningLoop;

namespace {

/// The kind of error, as a word tests can compare.
std::string kindOf(const Poco::Exception& error)
{
	if (dynamic_cast<const p2p::BadGatewayException*>(&error)) return "BadGatewayException";
	if (dynamic_cast<const p2p::GatewayTimeoutException*>(&error)) return "GatewayTimeoutException";
	return error.displayText();
}

/// What came back, and on which thread.
struct Outcome
{
	int status = 0;
	std::string body;
	std::string contentType;
	std::string error;     ///< kindOf() the exception
	std::string message;   ///< and its message
	bool onTheLoop = false;
};

} // namespace

/// PeerClient::sendAsync over the loop's own connections (PeerChannels)
/// against a real HTTP server: answers arrive on the loop, connections are
/// kept and reused, and failures are the exceptions send() throws.
class PeerChannelsTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(PeerChannelsTest);
	CPPUNIT_TEST(testAnAnswerArrivesOnTheLoopOverAKeptConnection);
	CPPUNIT_TEST(testBodiesGoOutAndChunkedAnswersComeBack);
	CPPUNIT_TEST(testAPeerThatIsNotListeningIsABadGateway);
	CPPUNIT_TEST(testAPeerThatDoesNotAnswerInTimeIsAGatewayTimeout);
	CPPUNIT_TEST(testACallersLimitShortensTheClientsTimeout);
	CPPUNIT_TEST(testGetsToOnePeerShareOneConnectionAndAnswersKeepTheirOrder);
	CPPUNIT_TEST(testWritesHaveAConnectionEach);
	CPPUNIT_TEST(testWhatAClosingAnswerLeftBehindIsSentAgain);
	CPPUNIT_TEST(testACallBehindAnAnswerThatTimesOutIsSentAgain);
	CPPUNIT_TEST(testACallBehindASlowAnswerKeepsItsOwnLimit);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_server = std::make_unique<LoopbackServer>();
		_server->router().add("GET", "/hello", [](p2p::Request&, p2p::Response& response) {
			response.send("hi", "text/plain");
		});
		_server->router().add("POST", "/echo", [](p2p::Request& request, p2p::Response& response) {
			auto& http = response.http();
			http.setChunkedTransferEncoding(true);
			http.setContentType("application/octet-stream");
			std::ostream& out = http.send();
			for (int i = 0; i < 3; ++i) out << request.content() << std::flush; // three chunks
		}, bytesRoute());
		_server->router().add("GET", "/slow", [](p2p::Request&, p2p::Response& response) {
			Poco::Thread::sleep(600);
			response.send("late", "text/plain");
		});
		_server->router().add("GET", "/name/{n}", [](p2p::Request& request, p2p::Response& response) {
			response.send(request.param("n"), "text/plain");
		});
		_server->router().add("POST", "/name/{n}", [](p2p::Request& request, p2p::Response& response) {
			Poco::Thread::sleep(50); // long enough for the others to need connections of their own
			response.send(request.param("n"), "text/plain");
		}, bytesRoute());
		_server->router().add("GET", "/closing", [](p2p::Request&, p2p::Response& response) {
			response.http().setKeepAlive(false);
			response.send("bye", "text/plain");
		});
		_server->start();
		_running = std::make_unique<RunningLoop>();
		PeerClient::Settings settings;
		settings.requestTimeout = Poco::Timespan(0, 200 * 1000);
		_client = std::make_unique<PeerClient>(settings);
	}

	void tearDown() override
	{
		_running.reset(); // the loop (and its connections) first
		_client.reset();
		_server.reset();
	}

	void testAnAnswerArrivesOnTheLoopOverAKeptConnection()
	{
		const Outcome first = call(_server->url(), "GET", "/hello");
		CPPUNIT_ASSERT_EQUAL(std::string(), first.error);
		CPPUNIT_ASSERT_EQUAL(200, first.status);
		CPPUNIT_ASSERT_EQUAL(std::string("hi"), first.body);
		CPPUNIT_ASSERT_EQUAL(std::string("text/plain"), first.contentType);
		CPPUNIT_ASSERT(first.onTheLoop);
		const int before = _server->server().totalConnections();
		for (int i = 0; i < 5; ++i) CPPUNIT_ASSERT_EQUAL(200, call(_server->url(), "GET", "/hello").status);
		CPPUNIT_ASSERT_EQUAL(before, _server->server().totalConnections()); // the same connection, kept
	}

	void testBodiesGoOutAndChunkedAnswersComeBack()
	{
		const Outcome echoed = call(_server->url(), "POST", "/echo", "abc");
		CPPUNIT_ASSERT_EQUAL(std::string(), echoed.error);
		CPPUNIT_ASSERT_EQUAL(std::string("abcabcabc"), echoed.body);
		CPPUNIT_ASSERT_EQUAL(std::string("application/octet-stream"), echoed.contentType);
		CPPUNIT_ASSERT_EQUAL(200, call(_server->url(), "GET", "/hello").status); // and the connection reads on
	}

	void testAPeerThatIsNotListeningIsABadGateway()
	{
		Poco::UInt16 port;
		{
			Poco::Net::ServerSocket closed(Poco::Net::SocketAddress("127.0.0.1", 0));
			port = closed.address().port();
		}
		const Outcome refused = call("http://127.0.0.1:" + std::to_string(port), "GET", "/hello");
		CPPUNIT_ASSERT_EQUAL(std::string("BadGatewayException"), refused.error);
		CPPUNIT_ASSERT(refused.onTheLoop);
		const Outcome malformed = call("ftp://nowhere", "GET", "/hello");
		CPPUNIT_ASSERT_EQUAL(std::string("BadGatewayException"), malformed.error);
	}

	void testAPeerThatDoesNotAnswerInTimeIsAGatewayTimeout()
	{
		const Outcome slow = call(_server->url(), "GET", "/slow");
		CPPUNIT_ASSERT_EQUAL(std::string("GatewayTimeoutException"), slow.error);
		// The connection that timed out is not reused for the next request.
		CPPUNIT_ASSERT_EQUAL(200, call(_server->url(), "GET", "/hello").status);
	}

	void testACallersLimitShortensTheClientsTimeout()
	{
		const Outcome hurried = call(_server->url(), "GET", "/slow", "", Poco::Timespan(0, 50 * 1000));
		CPPUNIT_ASSERT_EQUAL(std::string("GatewayTimeoutException"), hurried.error);
		// What was left of the 50 ms when the request went out.
		CPPUNIT_ASSERT_MESSAGE(hurried.message, timerOf(hurried) <= 50 && timerOf(hurried) > 0);
		// A limit beyond the client's own timeout does not lengthen it.
		const Outcome patient = call(_server->url(), "GET", "/slow", "", Poco::Timespan(10, 0));
		CPPUNIT_ASSERT_MESSAGE(patient.message, timerOf(patient) == 200);
	}

	void testGetsToOnePeerShareOneConnectionAndAnswersKeepTheirOrder()
	{
		CPPUNIT_ASSERT_EQUAL(200, call(_server->url(), "GET", "/hello").status); // a connection to share
		const int before = _server->server().totalConnections();
		std::vector<Sent> sent;
		for (int i = 0; i < 12; ++i) sent.push_back({"GET", "/name/" + std::to_string(i)});
		const std::vector<Outcome> outcomes = callAll(sent);
		for (int i = 0; i < 12; ++i)
		{
			CPPUNIT_ASSERT_EQUAL(std::string(), outcomes[i].error);
			CPPUNIT_ASSERT_EQUAL(std::to_string(i), outcomes[i].body); // each answer reached its own caller
		}
		CPPUNIT_ASSERT_EQUAL(before, _server->server().totalConnections()); // all twelve on the kept one
	}

	void testWritesHaveAConnectionEach()
	{
		CPPUNIT_ASSERT_EQUAL(200, call(_server->url(), "GET", "/hello").status);
		const int before = _server->server().totalConnections();
		const std::vector<Outcome> outcomes = callAll({{"POST", "/name/a"}, {"POST", "/name/b"}, {"POST", "/name/c"}});
		CPPUNIT_ASSERT_EQUAL(std::string("a"), outcomes[0].body);
		CPPUNIT_ASSERT_EQUAL(std::string("b"), outcomes[1].body);
		CPPUNIT_ASSERT_EQUAL(std::string("c"), outcomes[2].body);
		CPPUNIT_ASSERT_EQUAL(before + 2, _server->server().totalConnections()); // the kept one, and two more
	}

	void testWhatAClosingAnswerLeftBehindIsSentAgain()
	{
		const std::vector<Outcome> outcomes = callAll({{"GET", "/closing"}, {"GET", "/name/x"}, {"GET", "/name/y"}});
		CPPUNIT_ASSERT_EQUAL(std::string("bye"), outcomes[0].body);
		CPPUNIT_ASSERT_EQUAL(std::string(), outcomes[1].error);
		CPPUNIT_ASSERT_EQUAL(std::string("x"), outcomes[1].body);
		CPPUNIT_ASSERT_EQUAL(std::string("y"), outcomes[2].body);
	}

	void testACallBehindAnAnswerThatTimesOutIsSentAgain()
	{
		const std::vector<Outcome> outcomes = callAll({{"GET", "/slow"}, {"GET", "/name/z"}});
		CPPUNIT_ASSERT_EQUAL(std::string("GatewayTimeoutException"), outcomes[0].error);
		CPPUNIT_ASSERT_EQUAL(std::string(), outcomes[1].error);
		CPPUNIT_ASSERT_EQUAL(std::string("z"), outcomes[1].body);
	}

	void testACallBehindASlowAnswerKeepsItsOwnLimit()
	{
		const std::vector<Outcome> outcomes =
			callAll({{"GET", "/slow"}, {"GET", "/name/hurried", Poco::Timespan(0, 50 * 1000)}});
		CPPUNIT_ASSERT_EQUAL(std::string("GatewayTimeoutException"), outcomes[1].error);
		CPPUNIT_ASSERT_MESSAGE(outcomes[1].message, timerOf(outcomes[1]) <= 50);
		CPPUNIT_ASSERT(outcomes[1].message.find("/name/hurried") != std::string::npos);
		CPPUNIT_ASSERT_EQUAL(std::string("GatewayTimeoutException"), outcomes[0].error);
		CPPUNIT_ASSERT(outcomes[0].message.find("/slow") != std::string::npos);
		CPPUNIT_ASSERT_EQUAL(200, call(_server->url(), "GET", "/hello").status);
	}

private:
	struct Sent
	{
		std::string method;
		std::string path;
		Poco::Timespan within = 0;
	};

	/// The calls sent from one task on the loop, so that they go out in the
	/// same turn; waits (five seconds at most) for all their ends.
	std::vector<Outcome> callAll(const std::vector<Sent>& sent)
	{
		std::vector<std::shared_ptr<std::promise<Outcome>>> done;
		for (std::size_t i = 0; i < sent.size(); ++i) done.push_back(std::make_shared<std::promise<Outcome>>());
		AnswerLater on(std::make_shared<OnLoop>(_running->loop));
		const std::string url = _server->url();
		_running->loop.post([&, done, on, sent, url] {
			for (std::size_t i = 0; i < sent.size(); ++i)
				_client->sendAsync(on, url, sent[i].method, sent[i].path, "", "application/octet-stream", {},
				                   [promise = done[i]](PeerResponse* answer, const Poco::Exception* error) {
					                   promise->set_value(outcomeOf(answer, error));
				                   },
				                   sent[i].within);
		});
		std::vector<Outcome> outcomes;
		for (auto& promise : done)
		{
			auto future = promise->get_future();
			CPPUNIT_ASSERT(future.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
			outcomes.push_back(future.get());
		}
		return outcomes;
	}

	static Outcome outcomeOf(PeerResponse* answer, const Poco::Exception* error)
	{
		Outcome outcome;
		if (answer)
		{
			outcome.status = answer->status;
			outcome.body = answer->body;
			outcome.contentType = answer->contentType;
		}
		else
		{
			outcome.error = kindOf(*error);
			outcome.message = error->message();
		}
		return outcome;
	}

	/// The milliseconds a timeout's message says its timer ran: "... in time (N ms)".
	static int timerOf(const Outcome& timedOut)
	{
		const auto open = timedOut.message.rfind("in time (");
		return open == std::string::npos ? -1 : std::atoi(timedOut.message.c_str() + open + 9);
	}

	static p2p::RouteOptions bytesRoute()
	{
		p2p::RouteOptions options;
		options.body = p2p::Body::Bytes;
		return options;
	}

	/// One sendAsync() from the loop; waits (five seconds at most) for its end.
	Outcome call(const std::string& url, const std::string& method, const std::string& path, const std::string& body = "",
	             Poco::Timespan within = 0)
	{
		auto done = std::make_shared<std::promise<Outcome>>();
		AnswerLater on(std::make_shared<OnLoop>(_running->loop));
		_running->loop.post([&, done, on] {
			try
			{
				_client->sendAsync(on, url, method, path, body, "application/octet-stream", {},
				                   [done, this](PeerResponse* answer, const Poco::Exception* error) {
					                   Outcome outcome = outcomeOf(answer, error);
					                   outcome.onTheLoop = _running->loop.inLoopThread();
					                   done->set_value(outcome);
				                   },
				                   within);
			}
			catch (const Poco::Exception& exc)
			{
				Outcome outcome;
				outcome.error = kindOf(exc);
				done->set_value(outcome);
			}
		});
		auto future = done->get_future();
		CPPUNIT_ASSERT(future.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
		return future.get();
	}

	std::unique_ptr<LoopbackServer> _server;
	std::unique_ptr<RunningLoop> _running;
	std::unique_ptr<PeerClient> _client;
};

CPPUNIT_TEST_SUITE_REGISTRATION(PeerChannelsTest);
