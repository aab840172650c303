#include "MultipartUpload.h"
#include "p2p/Errors.h"
#include <cppunit/extensions/HelperMacros.h>
#include <sstream>

using p2p::filestore::MultipartUpload;

class MultipartUploadTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(MultipartUploadTest);
	CPPUNIT_TEST(testTheFileFieldIsReceivedAndOthersDropped);
	CPPUNIT_TEST(testOnlyTheFirstFileFieldIsReceived);
	CPPUNIT_TEST(testOnlyMultipartFormDataWithABoundaryIsAnUpload);
	CPPUNIT_TEST(testABodyWithoutItsClosingBoundaryIsRefused);
	CPPUNIT_TEST(testABodyShorterThanDeclaredIsRefused);
	CPPUNIT_TEST(testAnUploadWithoutAFileFieldIsRefused);
	CPPUNIT_TEST(testABadFilenameIsRefusedBeforeAByteIsReceived);
	CPPUNIT_TEST(testTooManyPartsAreRefused);
	CPPUNIT_TEST(testAMalformedPartHeaderIsRefused);
	CPPUNIT_TEST(testFieldsAroundTheFileStayWithinTheLimit);
	CPPUNIT_TEST_SUITE_END();

public:
	void testTheFileFieldIsReceivedAndOthersDropped()
	{
		const std::string body = part("name=\"note\"", "ignored") + part("name=\"file\"; filename=\"a b.txt\"", "the bytes") +
		                         "--b--\r\nepilogue";
		CPPUNIT_ASSERT_EQUAL(std::string("a b.txt"), read(body));
		CPPUNIT_ASSERT_EQUAL(1, _files);
		CPPUNIT_ASSERT_EQUAL(std::string("the bytes"), _received);
	}

	void testOnlyTheFirstFileFieldIsReceived()
	{
		const std::string body = part("name=\"file\"; filename=\"one\"", "1") + part("name=\"file\"; filename=\"two\"", "2") + "--b--\r\n";
		CPPUNIT_ASSERT_EQUAL(std::string("one"), read(body));
		CPPUNIT_ASSERT_EQUAL(std::string("1"), _received);
	}

	void testOnlyMultipartFormDataWithABoundaryIsAnUpload()
	{
		CPPUNIT_ASSERT_THROW(MultipartUpload("application/octet-stream", kLimit), p2p::BadRequestException);
		CPPUNIT_ASSERT_THROW(MultipartUpload("", kLimit), p2p::BadRequestException);
		CPPUNIT_ASSERT_THROW(MultipartUpload("multipart/form-data", kLimit), p2p::BadRequestException);
		CPPUNIT_ASSERT_THROW(MultipartUpload("multipart/form-data; boundary=" + std::string(71, 'x'), kLimit),
		                     p2p::BadRequestException);
		MultipartUpload("multipart/form-data; boundary=" + std::string(70, 'x'), kLimit);
	}

	void testABodyWithoutItsClosingBoundaryIsRefused()
	{
		assertRefused<p2p::BadRequestException>(part("name=\"file\"; filename=\"f\"", "cut"), "closing boundary");
		assertRefused<p2p::BadRequestException>(part("name=\"file\"; filename=\"f\"", "cut").substr(0, 60), "");
	}

	void testABodyShorterThanDeclaredIsRefused()
	{
		const std::string body = part("name=\"file\"; filename=\"f\"", "x") + "--b--\r\n";
		MultipartUpload upload(kType, kLimit);
		std::istringstream in(body);
		CPPUNIT_ASSERT_THROW(upload.read(in, static_cast<Poco::Int64>(body.size()) + 10, receiver()), p2p::BadRequestException);
	}

	void testAnUploadWithoutAFileFieldIsRefused()
	{
		assertRefused<p2p::BadRequestException>(part("name=\"note\"", "x") + "--b--\r\n", "no field 'file'");
		assertRefused<p2p::BadRequestException>(part("name=\"file\"", "no filename") + "--b--\r\n", "no field 'file'");
	}

	void testABadFilenameIsRefusedBeforeAByteIsReceived()
	{
		for (const char* name : {"../etc/passwd", "a/b", "..", ""})
		{
			assertRefused<p2p::BadRequestException>(
				part(std::string("name=\"file\"; filename=\"") + name + "\"", "x") + "--b--\r\n", "");
			CPPUNIT_ASSERT_EQUAL(0, _files);
		}
	}

	void testTooManyPartsAreRefused()
	{
		std::string body;
		for (int i = 0; i <= MultipartUpload::kMaxParts; ++i) body += part("name=\"note\"", "x");
		assertRefused<p2p::BadRequestException>(body + "--b--\r\n", "parts");
	}

	void testAMalformedPartHeaderIsRefused()
	{
		// Found by the fuzzer: POCO throws a MessageException, not a MultipartException, for it.
		const std::string body("--b\r\nContent-Disposition: form-data; name=\"note\"i\ng\ro\r\nnred\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename}\"%2\"; filename}\"%2e%\000\001\002\r\n--b--\r\nepilogue", 160);
		assertRefused<p2p::BadRequestException>(body, "not well-formed");
	}

	void testFieldsAroundTheFileStayWithinTheLimit()
	{
		const std::string big(kLimit + MultipartUpload::kAllowance + 1, 'x');
		assertRefused<p2p::PayloadTooLargeException>(part("name=\"note\"", big) + part("name=\"file\"; filename=\"f\"", "x") + "--b--\r\n",
		                                             "max_upload_bytes");
		assertRefused<p2p::PayloadTooLargeException>(part("name=\"file\"; filename=\"f\"", "x") + "--b--\r\n" + big,
		                                             "max_upload_bytes");
	}

private:
	static constexpr Poco::UInt64 kLimit = 1024;
	static constexpr const char* kType = "multipart/form-data; boundary=b";

	static std::string part(const std::string& disposition, const std::string& content)
	{
		return "--b\r\nContent-Disposition: form-data; " + disposition + "\r\n\r\n" + content + "\r\n";
	}

	MultipartUpload::Receiver receiver()
	{
		return [this](const std::string&, std::istream& content) {
			++_files;
			_received.assign(std::istreambuf_iterator<char>(content), std::istreambuf_iterator<char>());
		};
	}

	std::string read(const std::string& body)
	{
		_files = 0;
		_received.clear();
		const MultipartUpload upload(kType, kLimit);
		std::istringstream in(body);
		return upload.read(in, static_cast<Poco::Int64>(body.size()), receiver());
	}

	template <class Refusal>
	void assertRefused(const std::string& body, const std::string& saying)
	{
		try
		{
			read(body);
			CPPUNIT_FAIL("accepted: " + body.substr(0, 80));
		}
		catch (const Refusal& exc)
		{
			CPPUNIT_ASSERT_MESSAGE(exc.message(), exc.message().find(saying) != std::string::npos);
		}
	}

	int _files = 0;
	std::string _received;
};

CPPUNIT_TEST_SUITE_REGISTRATION(MultipartUploadTest);
