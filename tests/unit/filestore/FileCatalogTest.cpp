#include "FileCatalog.h"
#include "TestSupport.h"
#include <Poco/DigestEngine.h>
#include <Poco/File.h>
#include <Poco/SHA2Engine.h>
#include <cppunit/extensions/HelperMacros.h>

using p2p::filestore::FileCatalog;

class FileCatalogTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(FileCatalogTest);
	CPPUNIT_TEST(testCommittedUploadIsStoredWithItsDigest);
	CPPUNIT_TEST(testAbandonedUploadLeavesNothing);
	CPPUNIT_TEST(testReplacingKeepsOneVersion);
	CPPUNIT_TEST(testLeftoversOfACrashAreRemovedAtStart);
	CPPUNIT_TEST(testALateDeleteKeepsANewerCopy);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override { _dir = std::make_unique<p2p::test::TempDir>(); }
	void tearDown() override { _dir.reset(); }

	void testCommittedUploadIsStoredWithItsDigest()
	{
		FileCatalog catalog(_dir->path());
		auto upload = catalog.begin();
		const std::string text = "hello, file";
		upload->write(text.data(), text.size());
		const auto info = upload->commit("greeting.txt");
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(text.size()), info.size);
		Poco::SHA2Engine sha;
		sha.update(text);
		CPPUNIT_ASSERT_EQUAL(Poco::DigestEngine::digestToHex(sha.digest()), info.sha256);
		auto file = catalog.open("greeting.txt");
		CPPUNIT_ASSERT(file);
		std::string back((std::istreambuf_iterator<char>(*file->stream)), std::istreambuf_iterator<char>());
		CPPUNIT_ASSERT_EQUAL(text, back);
		CPPUNIT_ASSERT_EQUAL(info.sha256, file->info.sha256);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), catalog.list().size());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), catalog.count());
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), catalog.pendingUploads());
	}

	void testALateDeleteKeepsANewerCopy()
	{
		FileCatalog catalog(_dir->path());
		const Poco::Timestamp askedBefore;
		auto upload = catalog.begin();
		upload->write("newer", 5);
		upload->commit("a.txt");
		CPPUNIT_ASSERT(FileCatalog::Removal::Newer == catalog.removeStoredBy("a.txt", askedBefore));
		CPPUNIT_ASSERT(catalog.open("a.txt"));
		CPPUNIT_ASSERT(FileCatalog::Removal::Removed == catalog.removeStoredBy("a.txt", Poco::Timestamp()));
		CPPUNIT_ASSERT(!catalog.open("a.txt"));
		CPPUNIT_ASSERT(FileCatalog::Removal::Missing == catalog.removeStoredBy("a.txt", Poco::Timestamp()));
	}

	void testAbandonedUploadLeavesNothing()
	{
		FileCatalog catalog(_dir->path());
		{
			auto upload = catalog.begin();
			upload->write("partial", 7);
			CPPUNIT_ASSERT_EQUAL(std::size_t(1), catalog.pendingUploads());
		} // the client went away
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), catalog.pendingUploads());
		CPPUNIT_ASSERT(catalog.list().empty());
	}

	void testReplacingKeepsOneVersion()
	{
		FileCatalog catalog(_dir->path());
		for (const std::string text : {"first", "second version"})
		{
			auto upload = catalog.begin();
			upload->write(text.data(), text.size());
			upload->commit("doc");
		}
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), catalog.list().size());
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(14), catalog.info("doc")->size);
		CPPUNIT_ASSERT(catalog.remove("doc"));
		CPPUNIT_ASSERT(!catalog.open("doc"));
		CPPUNIT_ASSERT(!catalog.remove("doc"));
	}

	void testLeftoversOfACrashAreRemovedAtStart()
	{
		{
			FileCatalog catalog(_dir->path());
			auto upload = catalog.begin();
			upload->write("x", 1);
			// a crash: the file stays behind
			Poco::File(_dir->path() + "tmp/").list(_names);
			CPPUNIT_ASSERT_EQUAL(std::size_t(1), _names.size());
			Poco::File(_dir->path() + "tmp/" + _names[0]).copyTo(_dir->path() + "tmp/left-by-a-crash.part");
		}
		FileCatalog again(_dir->path());
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), again.pendingUploads());
	}

private:
	std::unique_ptr<p2p::test::TempDir> _dir;
	std::vector<std::string> _names;
};

CPPUNIT_TEST_SUITE_REGISTRATION(FileCatalogTest);
