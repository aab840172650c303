#include "DatagramListener.h"
#include "cluster/PeerClientImpl.h"
#include "security/PeerSecurity.h"
#include "security/RequestSigner.h"
#include "UdpGossipTransport.h"
#include "p2p/Errors.h"
#include <cppunit/extensions/HelperMacros.h>
#include <atomic>

using p2p::gossip::DatagramListener;
using p2p::gossip::GossipMessage;
using p2p::gossip::HttpGossipTransport;
using p2p::gossip::UdpGossipTransport;

namespace {

p2p::Member member(const std::string& id, Poco::UInt16 port)
{
	p2p::Member m;
	m.id = id;
	m.url = "http://127.0.0.1:" + std::to_string(port);
	m.incarnation = 7;
	return m;
}

/// A node's client: signing with secret, or unsigned when it is empty.
std::unique_ptr<p2p::PeerClient> client(const std::string& id, const std::string& secret)
{
	std::shared_ptr<const p2p::RequestSigner> signer;
	if (!secret.empty()) signer = std::make_shared<p2p::RequestSigner>(secret, id, 30);
	return p2p::PeerClient::Impl::secured(p2p::PeerClient::Settings(), std::make_shared<p2p::PeerSecurity>(signer));
}

} // namespace

/// Gossip's datagrams on real loopback sockets: an exchange and its answer,
/// a push that waits for nothing, the seal under cluster.secret, and what
/// goes over HTTP instead.
class UdpGossipTransportTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(UdpGossipTransportTest);
	CPPUNIT_TEST(testAnExchangeIsOneDatagramEachWay);
	CPPUNIT_TEST(testAPushWaitsForNothing);
	CPPUNIT_TEST(testSealedDatagramsOnlyUnderTheSecret);
	CPPUNIT_TEST(testNoListenerFailsAtOnce);
	CPPUNIT_TEST(testSyncsGoOverHttp);
	CPPUNIT_TEST_SUITE_END();

public:
	void testAnExchangeIsOneDatagramEachWay()
	{
		auto peers = client("a", "");
		Listener b(*peers);
		HttpGossipTransport http(Poco::Timespan(0, 500 * 1000), 100, *peers);
		UdpGossipTransport udp(http, *peers);
		GossipMessage probe;
		probe.from = member("a", 1);
		probe.members = {member("c", 3)};
		const GossipMessage answer = udp.exchange(b.url(), probe, Poco::Timespan(1, 0));
		CPPUNIT_ASSERT(answer.from && answer.from->id == "b");
		CPPUNIT_ASSERT_EQUAL(std::string("a"), b.lastFrom());
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(1), b.received());
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(probe.toText().size()), udp.bytesSent());
		CPPUNIT_ASSERT(udp.bytesReceived() > 0);
	}

	void testAPushWaitsForNothing()
	{
		auto peers = client("a", "");
		Listener b(*peers);
		HttpGossipTransport http(Poco::Timespan(0, 500 * 1000), 100, *peers);
		UdpGossipTransport udp(http, *peers);
		GossipMessage news;
		news.from = member("a", 1);
		news.push = true;
		const GossipMessage answer = udp.exchange(b.url(), news, Poco::Timespan(1, 0));
		CPPUNIT_ASSERT(!answer.from);
		CPPUNIT_ASSERT(b.waitFor(1));
		CPPUNIT_ASSERT_EQUAL(std::string("a"), b.lastFrom());
	}

	void testSealedDatagramsOnlyUnderTheSecret()
	{
		const std::string secret = "0123456789abcdef0123456789abcdef";
		auto ours = client("a", secret);
		auto theirs = client("b", secret);
		auto stranger = client("x", "another secret, 32 characters..");
		auto unsigned_ = client("y", "");
		Listener b(*theirs);
		for (auto* sender : {stranger.get(), unsigned_.get()})
		{
			HttpGossipTransport http(Poco::Timespan(0, 200 * 1000), 100, *sender);
			UdpGossipTransport udp(http, *sender);
			GossipMessage probe;
			probe.from = member("intruder", 9);
			// Refused unread: no answer comes, and nothing was merged.
			CPPUNIT_ASSERT_THROW(udp.exchange(b.url(), probe, Poco::Timespan(0, 200 * 1000)), p2p::GatewayTimeoutException);
		}
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(0), b.accepted());
		HttpGossipTransport http(Poco::Timespan(0, 500 * 1000), 100, *ours);
		UdpGossipTransport udp(http, *ours);
		GossipMessage probe;
		probe.from = member("a", 1);
		CPPUNIT_ASSERT(udp.exchange(b.url(), probe, Poco::Timespan(1, 0)).from);
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(1), b.accepted());

		// A changed byte breaks the seal.
		std::string sealed = UdpGossipTransport::seal(*ours, probe.toText());
		CPPUNIT_ASSERT(sealed.find("\nseal a ") != std::string::npos);
		CPPUNIT_ASSERT_EQUAL(probe.toText(), UdpGossipTransport::unseal(*theirs, sealed));
		sealed[20] = sealed[20] == 'x' ? 'y' : 'x';
		CPPUNIT_ASSERT_THROW(UdpGossipTransport::unseal(*theirs, sealed), p2p::UnauthorizedException);
		CPPUNIT_ASSERT_THROW(UdpGossipTransport::unseal(*theirs, probe.toText()), p2p::UnauthorizedException);
	}

	void testNoListenerFailsAtOnce()
	{
		// A closed port answers with ICMP "unreachable": no waiting out the timeout.
		auto peers = client("a", "");
		HttpGossipTransport http(Poco::Timespan(0, 500 * 1000), 100, *peers);
		UdpGossipTransport udp(http, *peers);
		GossipMessage probe;
		probe.from = member("a", 1);
		const Poco::Timestamp started;
		CPPUNIT_ASSERT_THROW(udp.exchange("http://127.0.0.1:1", probe, Poco::Timespan(5, 0)), p2p::BadGatewayException);
		CPPUNIT_ASSERT(started.elapsed() < 2 * 1000 * 1000);
	}

	void testSyncsGoOverHttp()
	{
		// A digest's answer may be a whole view: HTTP, even when the node
		// listens for datagrams (here nothing answers HTTP on that port).
		auto peers = client("a", "");
		Listener b(*peers);
		HttpGossipTransport http(Poco::Timespan(0, 500 * 1000), 100, *peers);
		UdpGossipTransport udp(http, *peers);
		GossipMessage sync;
		sync.from = member("a", 1);
		sync.digest = "0123456789abcdef";
		try
		{
			udp.exchange(b.url(), sync, Poco::Timespan(0, 500 * 1000));
			CPPUNIT_FAIL("a sync went somewhere");
		}
		catch (const p2p::BadGatewayException& exc)
		{
			CPPUNIT_ASSERT_MESSAGE(exc.message(), exc.message().find("POST /gossip/exchange") != std::string::npos);
		}
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(0), b.received());
	}

private:
	/// Node "b": answers every datagram whose seal holds with a message from itself.
	class Listener
	{
	public:
		explicit Listener(const p2p::PeerClient& peers):
			_peers(peers),
			_listener(Poco::Net::SocketAddress("127.0.0.1", 0), UdpGossipTransport::kMaxDatagramBytes,
			          [this](const std::string& bytes, const Poco::Net::SocketAddress&) { return answer(bytes); })
		{
			_listener.start();
		}

		std::string url() const { return "http://127.0.0.1:" + std::to_string(_listener.address().port()); }
		Poco::UInt64 received() const { return _listener.received(); }
		Poco::UInt64 accepted() const { return _accepted; }
		std::string lastFrom() const
		{
			Poco::FastMutex::ScopedLock lock(_mutex);
			return _lastFrom;
		}
		bool waitFor(Poco::UInt64 count) const
		{
			const Poco::Timestamp started;
			while (_accepted < count && started.elapsed() < 5 * 1000 * 1000) Poco::Thread::sleep(5);
			return _accepted >= count;
		}

	private:
		std::string answer(const std::string& bytes)
		{
			const GossipMessage message = GossipMessage::fromText(UdpGossipTransport::unseal(_peers, bytes), 64);
			++_accepted;
			{
				Poco::FastMutex::ScopedLock lock(_mutex);
				_lastFrom = message.from ? message.from->id : "";
			}
			if (message.push) return "";
			GossipMessage reply;
			reply.from = member("b", _listener.address().port());
			return UdpGossipTransport::seal(_peers, reply.toText());
		}

		const p2p::PeerClient& _peers;
		mutable Poco::FastMutex _mutex;
		std::string _lastFrom;
		std::atomic<Poco::UInt64> _accepted{0};
		DatagramListener _listener;
	};
};

CPPUNIT_TEST_SUITE_REGISTRATION(UdpGossipTransportTest);
