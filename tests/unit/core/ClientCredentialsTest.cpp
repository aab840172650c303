#include "security/ClientCredentials.h"
#include "p2p/Errors.h"
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <cppunit/extensions/HelperMacros.h>

using p2p::ClientCredentials;

class ClientCredentialsTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(ClientCredentialsTest);
	CPPUNIT_TEST(testNothingConfiguredChecksNothing);
	CPPUNIT_TEST(testStaticToken);
	CPPUNIT_TEST(testJwt);
	CPPUNIT_TEST(testJwtTimesAndForgeries);
	CPPUNIT_TEST_SUITE_END();

public:
	void testNothingConfiguredChecksNothing()
	{
		ClientCredentials none("", "");
		CPPUNIT_ASSERT(!none.required());
		none.check("");
	}

	void testStaticToken()
	{
		ClientCredentials token("s3cret-token", "");
		CPPUNIT_ASSERT(token.required());
		token.check("Bearer s3cret-token");
		token.check("bearer s3cret-token"); // the scheme is case-insensitive (RFC 7235)
		assertRefused(token, "");
		assertRefused(token, "Bearer ");
		assertRefused(token, "Bearer s3cret-toke");
		assertRefused(token, "Bearer s3cret-token2");
		assertRefused(token, "Basic czNjcmV0LXRva2Vu");
		assertRefused(token, "s3cret-token");
	}

	void testJwt()
	{
		ClientCredentials jwt("", "jwt-signing-key");
		Poco::JWT::Token token;
		token.setSubject("alice");
		token.setExpiration(Poco::Timestamp() + 60 * Poco::Timespan::SECONDS);
		jwt.check("Bearer " + sign(token, "jwt-signing-key"));
		// Both kinds at once: either passes.
		ClientCredentials both("static", "jwt-signing-key");
		both.check("Bearer static");
		both.check("Bearer " + sign(token, "jwt-signing-key"));
	}

	void testJwtTimesAndForgeries()
	{
		ClientCredentials jwt("", "jwt-signing-key");
		Poco::JWT::Token expired;
		expired.setExpiration(Poco::Timestamp() - Poco::Timespan::SECONDS);
		assertRefused(jwt, "Bearer " + sign(expired, "jwt-signing-key"));
		Poco::JWT::Token early;
		early.setNotBefore(Poco::Timestamp() + 60 * Poco::Timespan::SECONDS);
		assertRefused(jwt, "Bearer " + sign(early, "jwt-signing-key"));
		Poco::JWT::Token fine;
		fine.setExpiration(Poco::Timestamp() + 60 * Poco::Timespan::SECONDS);
		assertRefused(jwt, "Bearer " + sign(fine, "another-key"));
		// The right key, but another algorithm than the one it is for.
		assertRefused(jwt, "Bearer " + sign(fine, "jwt-signing-key", Poco::JWT::Signer::ALGO_HS512));
		// Tokens must expire.
		Poco::JWT::Token forever;
		assertRefused(jwt, "Bearer " + sign(forever, "jwt-signing-key"));
		// Claims that are no times at all.
		Poco::JWT::Token wordy;
		wordy.payload().set("exp", std::string("soon"));
		assertRefused(jwt, "Bearer " + sign(wordy, "jwt-signing-key"));
		Poco::JWT::Token huge;
		huge.payload().set("exp", 1e300);
		assertRefused(jwt, "Bearer " + sign(huge, "jwt-signing-key"));
		// One byte of the signature changed.
		std::string tampered = sign(fine, "jwt-signing-key");
		tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
		assertRefused(jwt, "Bearer " + tampered);
		// alg "none": header {"alg":"none","typ":"JWT"}, payload {}, no signature.
		assertRefused(jwt, "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.e30.");
		assertRefused(jwt, "Bearer not.a.jwt");
	}

private:
	static std::string sign(Poco::JWT::Token& token, const std::string& key,
	                        const std::string& algorithm = Poco::JWT::Signer::ALGO_HS256)
	{
		Poco::JWT::Signer signer(key);
		signer.addAlgorithm(algorithm);
		return signer.sign(token, algorithm);
	}

	static void assertRefused(const ClientCredentials& credentials, const std::string& authorization)
	{
		try
		{
			credentials.check(authorization);
		}
		catch (const p2p::UnauthorizedException&)
		{
			return;
		}
		CPPUNIT_FAIL("accepted Authorization: '" + authorization + "'");
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(ClientCredentialsTest);
