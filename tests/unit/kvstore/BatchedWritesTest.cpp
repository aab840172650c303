#include "../core/LoopbackServer.h"
#include "../core/RunningLoop.h"
#include "BatchedWrites.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include "p2p/Request.h"
#include "p2p/Response.h"
#include <Poco/Event.h>
#include <cppunit/extensions/HelperMacros.h>
#include <atomic>
#include <mutex>

using p2p::AnswerLater;
using p2p::kvstore::BatchedWrites;
using p2p::kvstore::Owner;
using p2p::kvstore::Replicas;
using p2p::test::OnLoop;
using p2p::test::RunningLoop;

/// Replica writes from a loop against a real HTTP server standing in for
/// the owner's batch endpoint: alone at once under light load, many in one
/// request while others are in flight, and a refused batch fails each write.
class BatchedWritesTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(BatchedWritesTest);
	CPPUNIT_TEST(testALoneWriteGoesAtOnce);
	CPPUNIT_TEST(testWritesWaitingForTheWindowGoTogether);
	CPPUNIT_TEST(testARefusedBatchFailsEachOfItsWrites);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_server = std::make_unique<p2p::test::LoopbackServer>();
		p2p::RouteOptions json;
		json.body = p2p::Body::Json;
		_server->router().add("POST", "/internal/kv", [this](p2p::Request& request, p2p::Response& response) {
			const auto entries = request.jsonObject()->getArray("entries");
			{
				std::lock_guard<std::mutex> lock(_mutex);
				_batches.push_back(entries->size());
			}
			if (_holding) _gate.wait();
			if (_refusing) throw p2p::InsufficientStorageException("the disk is full");
			response.json(p2p::json::object());
		}, json);
		_server->start();
		_running = std::make_unique<RunningLoop>();
		_client = std::make_unique<p2p::PeerClient>();
		_writes = std::make_unique<BatchedWrites>(*_client, "/internal/kv");
	}

	void tearDown() override
	{
		_gate.set();
		_running.reset();
		_writes.reset();
		_client.reset();
		_server.reset();
	}

	void testALoneWriteGoesAtOnce()
	{
		write(1);
		CPPUNIT_ASSERT(waitForAnswers(1));
		CPPUNIT_ASSERT_EQUAL(0, _failed.load());
		CPPUNIT_ASSERT((batches() == std::vector<std::size_t>{1}));
	}

	void testWritesWaitingForTheWindowGoTogether()
	{
		_holding = true;
		write(BatchedWrites::kWindow); // each alone: the window is open
		CPPUNIT_ASSERT(waitUntil([this] { return batches().size() == BatchedWrites::kWindow; }));
		write(10); // the window is full: they queue
		_holding = false;
		_gate.set();
		CPPUNIT_ASSERT(waitForAnswers(BatchedWrites::kWindow + 10));
		CPPUNIT_ASSERT_EQUAL(0, _failed.load());
		auto sizes = batches();
		CPPUNIT_ASSERT_EQUAL(std::size_t(BatchedWrites::kWindow + 1), sizes.size());
		CPPUNIT_ASSERT_EQUAL(std::size_t(10), sizes.back());
	}

	void testARefusedBatchFailsEachOfItsWrites()
	{
		_refusing = true;
		_holding = true;
		write(BatchedWrites::kWindow + 3);
		CPPUNIT_ASSERT(waitUntil([this] { return batches().size() == BatchedWrites::kWindow; }));
		_holding = false;
		_gate.set();
		CPPUNIT_ASSERT(waitForAnswers(BatchedWrites::kWindow + 3));
		CPPUNIT_ASSERT_EQUAL(int(BatchedWrites::kWindow + 3), _failed.load());
		std::lock_guard<std::mutex> lock(_mutex);
		CPPUNIT_ASSERT_MESSAGE(_lastError, _lastError.find("node owner refused a replica write: the disk is full") != std::string::npos);
	}

private:
	/// n writes handed in from the loop, as the Coordinator hands them in.
	void write(std::size_t n)
	{
		const Owner owner{"owner", _server->url()};
		AnswerLater on(std::make_shared<OnLoop>(_running->loop));
		_running->onLoop([&] {
			for (std::size_t i = 0; i < n; ++i)
			{
				Replicas::Via via{on, Poco::Timespan(5, 0)};
				_writes->write(owner, R"({"key":"k)" + std::to_string(i) + R"("})", via, [this](const Poco::Exception* error) {
					std::lock_guard<std::mutex> lock(_mutex);
					if (error)
					{
						++_failed;
						_lastError = error->message();
					}
					++_answers;
				});
			}
			return 0;
		});
	}

	std::vector<std::size_t> batches()
	{
		std::lock_guard<std::mutex> lock(_mutex);
		return _batches;
	}

	template <class Condition>
	static bool waitUntil(Condition condition)
	{
		const Poco::Timestamp started;
		while (!condition())
		{
			if (started.isElapsed(5 * 1000 * 1000)) return false;
			std::this_thread::sleep_for(std::chrono::milliseconds(2)); // polling a condition, with a deadline
		}
		return true;
	}

	bool waitForAnswers(std::size_t n)
	{
		return waitUntil([this, n] { return _answers.load() == static_cast<int>(n); });
	}

	std::unique_ptr<p2p::test::LoopbackServer> _server;
	std::unique_ptr<RunningLoop> _running;
	std::unique_ptr<p2p::PeerClient> _client;
	std::unique_ptr<BatchedWrites> _writes;
	std::mutex _mutex;
	std::vector<std::size_t> _batches;
	std::string _lastError;
	std::atomic<int> _answers{0};
	std::atomic<int> _failed{0};
	std::atomic<bool> _holding{false};
	std::atomic<bool> _refusing{false};
	Poco::Event _gate{Poco::Event::EVENT_MANUALRESET};
};

CPPUNIT_TEST_SUITE_REGISTRATION(BatchedWritesTest);
