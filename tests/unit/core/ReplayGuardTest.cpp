#include "security/ReplayGuard.h"
#include "p2p/Errors.h"
#include <Poco/Timespan.h>
#include <cppunit/extensions/HelperMacros.h>

using p2p::ReplayGuard;
using p2p::RequestSignature;

class ReplayGuardTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(ReplayGuardTest);
	CPPUNIT_TEST(testEachNonceIsTakenOnce);
	CPPUNIT_TEST(testNumbersMayArriveOutOfOrderWithinTheWindow);
	CPPUNIT_TEST(testStreamsAndSendersAreApart);
	CPPUNIT_TEST(testMissingOrMalformedNoncesAreRefused);
	CPPUNIT_TEST(testRequestsSignedBeforeTheStartAreRefused);
	CPPUNIT_TEST(testQuietStreamsAreForgotten);
	CPPUNIT_TEST_SUITE_END();

public:
	void testEachNonceIsTakenOnce()
	{
		ReplayGuard guard(30, _start);
		guard.admit(claim("node-a", "00000000000000aa.1"), _start);
		assertRefused([&] { guard.admit(claim("node-a", "00000000000000aa.1"), _start); });
		guard.admit(claim("node-a", "00000000000000aa.2"), _start);
		assertRefused([&] { guard.admit(claim("node-a", "00000000000000aa.2"), _start); });
	}

	void testNumbersMayArriveOutOfOrderWithinTheWindow()
	{
		ReplayGuard guard(30, _start);
		const std::uint64_t high = 3 * ReplayGuard::kWindow;
		guard.admit(claim("node-a", nonce(high)), _start);
		guard.admit(claim("node-a", nonce(high - 5)), _start);
		guard.admit(claim("node-a", nonce(high - ReplayGuard::kWindow + 1)), _start);
		assertRefused([&] { guard.admit(claim("node-a", nonce(high - 5)), _start); });
		// Beyond the window: cannot be told from a replay.
		assertRefused([&] { guard.admit(claim("node-a", nonce(high - ReplayGuard::kWindow)), _start); });
		// Moving the window on clears what it passes, and keeps what it does not.
		guard.admit(claim("node-a", nonce(high + 10)), _start);
		guard.admit(claim("node-a", nonce(high + 9)), _start);
		assertRefused([&] { guard.admit(claim("node-a", nonce(high)), _start); });
		guard.admit(claim("node-a", nonce(high + 10 + ReplayGuard::kWindow + 2)), _start);
		guard.admit(claim("node-a", nonce(high + 10 + 3)), _start);
	}

	void testStreamsAndSendersAreApart()
	{
		ReplayGuard guard(30, _start);
		guard.admit(claim("node-a", "00000000000000aa.1"), _start);
		guard.admit(claim("node-b", "00000000000000aa.1"), _start);
		guard.admit(claim("node-a", "00000000000000bb.1"), _start);
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), guard.streams());
	}

	void testMissingOrMalformedNoncesAreRefused()
	{
		ReplayGuard guard(30, _start);
		for (const char* bad : {"", "00000000000000aa", "00000000000000aa.", "0000000000000aa.1", "00000000000000AA.1",
		                        "00000000000000aa.-1", "00000000000000aa.1x", "00000000000000aa.99999999999999999999"})
			assertRefused([&] { guard.admit(claim("node-a", bad), _start); });
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), guard.streams());
	}

	void testRequestsSignedBeforeTheStartAreRefused()
	{
		ReplayGuard guard(30, _start);
		RequestSignature early = claim("node-a", "00000000000000aa.1");
		early.time = std::to_string(_start.epochTime() - 2);
		assertRefused([&] { guard.admit(early, _start); });
		early.time = std::to_string(_start.epochTime() - 1); // a second's grace
		guard.admit(early, _start);
	}

	void testQuietStreamsAreForgotten()
	{
		ReplayGuard guard(30, _start);
		guard.admit(claim("node-a", "00000000000000aa.1"), _start);
		const Poco::Timestamp later = _start + 70 * Poco::Timespan::SECONDS;
		RequestSignature fresh = claim("node-b", "00000000000000bb.1");
		fresh.time = std::to_string(later.epochTime());
		guard.admit(fresh, later);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), guard.streams());
	}

private:
	RequestSignature claim(const std::string& node, const std::string& nonce) const
	{
		RequestSignature claim;
		claim.node = node;
		claim.time = std::to_string(_start.epochTime());
		claim.nonce = nonce;
		return claim;
	}

	static std::string nonce(std::uint64_t counter) { return "00000000000000aa." + std::to_string(counter); }

	template <class F>
	static void assertRefused(F f)
	{
		try
		{
			f();
		}
		catch (const p2p::UnauthorizedException&)
		{
			return;
		}
		CPPUNIT_FAIL("a replay was taken");
	}

	const Poco::Timestamp _start;
};

CPPUNIT_TEST_SUITE_REGISTRATION(ReplayGuardTest);
