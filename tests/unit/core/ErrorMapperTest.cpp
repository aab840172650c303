#include "routing/ErrorMapper.h"
#include "p2p/Errors.h"
#include <Poco/JSON/JSONException.h>
#include <Poco/Net/NetException.h>
#include <cppunit/extensions/HelperMacros.h>

using p2p::ErrorMapper;

class ErrorMapperTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(ErrorMapperTest);
	CPPUNIT_TEST(testOurExceptionsMapToTheirStatus);
	CPPUNIT_TEST(testPocoExceptionsMapToSensibleStatus);
	CPPUNIT_TEST(testSentenceIsTheMessage);
	CPPUNIT_TEST(testAClientIsNeverToldOurInternals);
	CPPUNIT_TEST_SUITE_END();

public:
	void testOurExceptionsMapToTheirStatus()
	{
		CPPUNIT_ASSERT_EQUAL(400, ErrorMapper::statusFor(p2p::BadRequestException("x")));
		CPPUNIT_ASSERT_EQUAL(403, ErrorMapper::statusFor(p2p::ForbiddenException("x")));
		CPPUNIT_ASSERT_EQUAL(409, ErrorMapper::statusFor(p2p::ConflictException("x")));
		CPPUNIT_ASSERT_EQUAL(411, ErrorMapper::statusFor(p2p::LengthRequiredException("x")));
		CPPUNIT_ASSERT_EQUAL(413, ErrorMapper::statusFor(p2p::PayloadTooLargeException("x")));
		CPPUNIT_ASSERT_EQUAL(415, ErrorMapper::statusFor(p2p::UnsupportedMediaTypeException("x")));
		CPPUNIT_ASSERT_EQUAL(416, ErrorMapper::statusFor(p2p::RangeNotSatisfiableException("x")));
		CPPUNIT_ASSERT_EQUAL(502, ErrorMapper::statusFor(p2p::BadGatewayException("x")));
		CPPUNIT_ASSERT_EQUAL(503, ErrorMapper::statusFor(p2p::ServiceUnavailableException("x")));
		CPPUNIT_ASSERT_EQUAL(504, ErrorMapper::statusFor(p2p::GatewayTimeoutException("x")));
		CPPUNIT_ASSERT_EQUAL(507, ErrorMapper::statusFor(p2p::InsufficientStorageException("x")));
		CPPUNIT_ASSERT_EQUAL(508, ErrorMapper::statusFor(p2p::LoopDetectedException("x")));
	}

	void testPocoExceptionsMapToSensibleStatus()
	{
		CPPUNIT_ASSERT_EQUAL(404, ErrorMapper::statusFor(Poco::NotFoundException("key not found")));
		CPPUNIT_ASSERT_EQUAL(400, ErrorMapper::statusFor(Poco::InvalidArgumentException("x")));
		CPPUNIT_ASSERT_EQUAL(400, ErrorMapper::statusFor(Poco::SyntaxException("x")));
		CPPUNIT_ASSERT_EQUAL(400, ErrorMapper::statusFor(Poco::JSON::JSONException("x")));
		CPPUNIT_ASSERT_EQUAL(409, ErrorMapper::statusFor(Poco::ExistsException("x")));
		CPPUNIT_ASSERT_EQUAL(403, ErrorMapper::statusFor(Poco::NoPermissionException("x")));
		CPPUNIT_ASSERT_EQUAL(400, ErrorMapper::statusFor(Poco::Net::MessageException("x")));
		CPPUNIT_ASSERT_EQUAL(408, ErrorMapper::statusFor(Poco::TimeoutException("x")));
		// Raw network errors are not blamed on a gateway: handlers say so explicitly.
		CPPUNIT_ASSERT_EQUAL(500, ErrorMapper::statusFor(Poco::Net::ConnectionRefusedException("x")));
		CPPUNIT_ASSERT_EQUAL(500, ErrorMapper::statusFor(Poco::NullPointerException("x")));
		CPPUNIT_ASSERT_EQUAL(500, ErrorMapper::statusFor(Poco::IOException("x")));
	}

	void testSentenceIsTheMessage()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("key not found"), ErrorMapper::sentenceFor(Poco::NotFoundException("key not found")));
		CPPUNIT_ASSERT_EQUAL(std::string("Not found"), ErrorMapper::sentenceFor(Poco::NotFoundException()));
	}

	void testAClientIsNeverToldOurInternals()
	{
		const auto missing = ErrorMapper::forClient(Poco::NotFoundException("key not found"), "r-1", "GET /kv/x");
		CPPUNIT_ASSERT_EQUAL(404, missing.status);
		CPPUNIT_ASSERT_EQUAL(std::string("key not found"), missing.sentence);
		// A failure nobody mapped is a 500 whose text stays in the log.
		const auto bug = ErrorMapper::forClient(Poco::NullPointerException("in Coordinator::settle"), "r-2", "PUT /kv/x");
		CPPUNIT_ASSERT_EQUAL(500, bug.status);
		CPPUNIT_ASSERT(bug.sentence.find("Coordinator") == std::string::npos);
		CPPUNIT_ASSERT(bug.sentence.find("request id r-2") != std::string::npos);
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(ErrorMapperTest);
