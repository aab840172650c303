#include "RunningLoop.h"
#include "http/LoopExchange.h"
#include <cppunit/extensions/HelperMacros.h>
#include <condition_variable>
#include <mutex>
#include <thread>

using p2p::ExchangeOwner;
using p2p::HttpHead;
using p2p::LoopExchange;
using p2p::test::RunningLoop;

namespace {

/// Stands in for the connection: takes the exchange's output as a socket
/// that accepts everything would, and counts what it was told.
class RecordingOwner: public ExchangeOwner
{
public:
	void outputReady(LoopExchange& exchange) override { take(exchange); }
	void bodyWanted(LoopExchange&) override
	{
		std::lock_guard<std::mutex> lock(_mutex);
		++_wanted;
	}
	void exchangeFinished(LoopExchange& exchange) override
	{
		take(exchange);
		std::lock_guard<std::mutex> lock(_mutex);
		_finished = true;
		_changed.notify_all();
	}

	/// The whole output once the exchange has finished (five seconds at most).
	std::string output()
	{
		std::unique_lock<std::mutex> lock(_mutex);
		CPPUNIT_ASSERT(_changed.wait_for(lock, std::chrono::seconds(5), [this] { return _finished; }));
		return _output;
	}
	int wanted()
	{
		std::lock_guard<std::mutex> lock(_mutex);
		return _wanted;
	}

private:
	void take(LoopExchange& exchange)
	{
		const std::string bytes = exchange.takeOutput();
		exchange.written(bytes.size());
		std::lock_guard<std::mutex> lock(_mutex);
		_output += bytes;
	}

	std::mutex _mutex;
	std::condition_variable _changed;
	std::string _output;
	int _wanted = 0;
	bool _finished = false;
};

HttpHead headFor(const std::string& method, int minorVersion = 1)
{
	HttpHead head;
	head.method = method;
	head.target = "/x";
	head.minorVersion = minorVersion;
	head.keepAlive = minorVersion == 1;
	head.fields = {{"Host", "a"}};
	return head;
}

std::string bodyOf(const std::string& output)
{
	return output.substr(output.find("\r\n\r\n") + 4);
}

} // namespace

/// One request and its answer between a loop and a worker: how the answer
/// is framed, the body's window, and what a client that left does to the
/// handler's streams.
class LoopExchangeTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(LoopExchangeTest);
	CPPUNIT_TEST(testAnAnswerWithALengthGoesOutAsWritten);
	CPPUNIT_TEST(testAnAnswerWithoutALengthIsChunked);
	CPPUNIT_TEST(testAHeadAnswerCarriesNoBody);
	CPPUNIT_TEST(testAnOldClientWithoutALengthIsAnsweredUntilClose);
	CPPUNIT_TEST(testTheBodyWindowPausesTheLoopAndResumesIt);
	CPPUNIT_TEST(testAClientThatLeftFailsTheHandlersStreams);
	CPPUNIT_TEST(testAnAnswerGivenLaterFinishesTheExchangeInEitherOrder);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_running = std::make_unique<RunningLoop>();
		_owner = std::make_shared<RecordingOwner>();
	}

	void tearDown() override
	{
		_running.reset();
		_owner.reset();
	}

	void testAnAnswerWithALengthGoesOutAsWritten()
	{
		auto exchange = make(headFor("GET"));
		onWorker([&] {
			exchange->response().setContentLength(5);
			exchange->response().send() << "hello";
			exchange->finish();
		});
		const std::string output = _owner->output();
		CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 200 OK\r\n"), output.substr(0, 17));
		CPPUNIT_ASSERT(output.find("Content-Length: 5\r\n") != std::string::npos);
		CPPUNIT_ASSERT_EQUAL(std::string("hello"), bodyOf(output));
		CPPUNIT_ASSERT(exchange->complete());
		CPPUNIT_ASSERT(exchange->keepAlive());
	}

	void testAnAnswerWithoutALengthIsChunked()
	{
		auto exchange = make(headFor("GET"));
		onWorker([&] {
			std::ostream& out = exchange->response().send();
			out << "abc" << std::flush;
			out << "de";
			exchange->finish();
		});
		const std::string output = _owner->output();
		CPPUNIT_ASSERT(output.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
		CPPUNIT_ASSERT_EQUAL(std::string("3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"), bodyOf(output));
	}

	void testAHeadAnswerCarriesNoBody()
	{
		auto exchange = make(headFor("HEAD"));
		onWorker([&] {
			exchange->response().setContentLength(5);
			exchange->response().send() << "hello";
			exchange->finish();
		});
		const std::string output = _owner->output();
		CPPUNIT_ASSERT(output.find("Content-Length: 5\r\n") != std::string::npos); // what a GET would get
		CPPUNIT_ASSERT_EQUAL(std::string(), bodyOf(output));
	}

	void testAnOldClientWithoutALengthIsAnsweredUntilClose()
	{
		auto exchange = make(headFor("GET", 0));
		onWorker([&] {
			exchange->response().send() << "all of it";
			exchange->finish();
		});
		const std::string output = _owner->output();
		CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.0 200 OK\r\n"), output.substr(0, 17));
		CPPUNIT_ASSERT_EQUAL(std::string("all of it"), bodyOf(output));
		CPPUNIT_ASSERT(!exchange->keepAlive()); // the body ends with the connection
	}

	void testTheBodyWindowPausesTheLoopAndResumesIt()
	{
		auto exchange = make(headFor("PUT"));
		const std::string chunk(LoopExchange::kBodyWindow / 4, 'x');
		bool room = true;
		for (int i = 0; i < 4; ++i) room = exchange->addBody(chunk.data(), chunk.size());
		CPPUNIT_ASSERT(!room); // the loop stops reading here
		std::size_t read = 0;
		onWorker([&] {
			char buffer[4096];
			std::istream& in = exchange->request().stream();
			while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0)
			{
				read += static_cast<std::size_t>(in.gcount());
				if (read == chunk.size() * 4) exchange->endBody(); // as the loop would, at the body's end
			}
			exchange->response().setContentLength(0);
			exchange->response().send();
			exchange->finish();
		});
		_owner->output();
		CPPUNIT_ASSERT_EQUAL(chunk.size() * 4, read);
		CPPUNIT_ASSERT_EQUAL(1, _owner->wanted()); // told once the window had drained by half
	}

	void testAClientThatLeftFailsTheHandlersStreams()
	{
		auto exchange = make(headFor("PUT"));
		exchange->addBody("abc", 3);
		exchange->abort();
		bool bodyEnded = false, answerFailed = false;
		onWorker([&] {
			char buffer[16];
			bodyEnded = !exchange->request().stream().read(buffer, sizeof(buffer)) &&
			            exchange->request().stream().gcount() == 0;
			exchange->response().setContentLength(1 << 20);
			std::ostream& out = exchange->response().send();
			out << std::string(1 << 20, 'y') << std::flush;
			answerFailed = !out;
			exchange->finish();
		});
		_owner->output();
		CPPUNIT_ASSERT(bodyEnded);    // the handler sees a short body, not an exception
		CPPUNIT_ASSERT(answerFailed); // and a stream gone bad, as to a closed socket
	}

	void testAnAnswerGivenLaterFinishesTheExchangeInEitherOrder()
	{
		for (const bool answerFirst : {false, true})
		{
			_owner = std::make_shared<RecordingOwner>();
			auto exchange = make(headFor("GET"));
			auto* server = dynamic_cast<p2p::AnswersLater*>(&exchange->response());
			CPPUNIT_ASSERT(server);
			p2p::AnswerLater later(server->later());
			CPPUNIT_ASSERT(server->deferred());
			bool recorded = false;
			const auto answer = [&] { later.send("{\"late\":true}", "application/json", 202, {{"X-P2P-Answered-By", "n2"}}); };
			onWorker([&] {
				if (answerFirst) answer(); // the peer answered before the handler had returned
				server->whenAnswered([&] { recorded = true; });
				exchange->finish(); // the handler's return
				if (!answerFirst) answer();
			});
			const std::string output = _owner->output();
			CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 202 Accepted\r\n"), output.substr(0, 23));
			CPPUNIT_ASSERT(output.find("X-P2P-Answered-By: n2\r\n") != std::string::npos);
			CPPUNIT_ASSERT_EQUAL(std::string("{\"late\":true}"), bodyOf(output));
			CPPUNIT_ASSERT(recorded);
			later.send("second", "text/plain"); // the first answer wins; this one goes nowhere
			_running->onLoop([] { return 0; });
			CPPUNIT_ASSERT(exchange->complete());
		}
	}

private:
	std::shared_ptr<LoopExchange> make(const HttpHead& head)
	{
		Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
		params->setTimeout(Poco::Timespan(5, 0));
		return std::make_shared<LoopExchange>(
			LoopExchange::Context{_running->loop, _owner, Poco::Net::SocketAddress("127.0.0.1", 40000),
			                      Poco::Net::SocketAddress("127.0.0.1", 5000), params},
			head);
	}

	/// Runs work on a thread of its own, as a worker would, and joins it.
	static void onWorker(const std::function<void()>& work)
	{
		std::thread worker(work);
		worker.join();
	}

	std::unique_ptr<RunningLoop> _running;
	std::shared_ptr<RecordingOwner> _owner;
};

CPPUNIT_TEST_SUITE_REGISTRATION(LoopExchangeTest);
