#include "FakeFileTransfers.h"
#include "FileScrubber.h"
#include "../dht-router/TestRing.h"
#include "TestSupport.h"
#include <Poco/FileStream.h>
#include <cppunit/extensions/HelperMacros.h>

using p2p::filestore::FileCatalog;
using p2p::filestore::FileScrubber;

/// Stored files read back and hashed: damaged copies are dropped and
/// fetched whole from another owner; intact ones are left alone.
class FileScrubberTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(FileScrubberTest);
	CPPUNIT_TEST(testIntactFilesAreLeftAlone);
	CPPUNIT_TEST(testADamagedCopyIsFetchedAgainFromAnotherOwner);
	CPPUNIT_TEST(testWithoutAWholeCopyElsewhereADamagedOneIsDroppedStill);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_dir = std::make_unique<p2p::test::TempDir>();
		_catalog = std::make_unique<FileCatalog>(_dir->path());
		_ring = std::make_unique<TestRing>();
		_ring->join({"b"});
		_remote = std::make_unique<FakeFileTransfers>();
		for (const char* name : {"a.txt", "b.txt", "c.txt"}) store(name, std::string("the bytes of ") + name);
	}

	void tearDown() override
	{
		_catalog.reset();
		_dir.reset();
	}

	void testIntactFilesAreLeftAlone()
	{
		const auto pass = scrubber().run();
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), pass.files);
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), pass.damaged);
		CPPUNIT_ASSERT(pass.bytes > 0);
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), _catalog->count());
	}

	void testADamagedCopyIsFetchedAgainFromAnotherOwner()
	{
		const auto info = *_catalog->info("b.txt");
		giveB("b.txt");
		overwrite("b.txt", "THE"); // same size, other bytes
		const auto pass = scrubber().run();
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), pass.damaged);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), pass.healed);
		const auto healed = _catalog->info("b.txt");
		CPPUNIT_ASSERT(healed && healed->sha256 == info.sha256);
		CPPUNIT_ASSERT(healed->modified == info.modified); // the same version, not a new upload
		CPPUNIT_ASSERT_EQUAL(std::string("the bytes of b.txt"), read("b.txt"));
	}

	void testWithoutAWholeCopyElsewhereADamagedOneIsDroppedStill()
	{
		overwrite("c.txt", "XYZ");
		const auto pass = scrubber().run();
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), pass.damaged);
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), pass.healed);
		CPPUNIT_ASSERT(!_catalog->info("c.txt")); // never served damaged
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), _catalog->count());
	}

private:
	FileScrubber& scrubber()
	{
		_scrubber = std::make_unique<FileScrubber>(*_catalog, "a", _remote.get(), _ring->placement(), 2, 0);
		return *_scrubber;
	}

	void store(const std::string& name, const std::string& bytes)
	{
		auto upload = _catalog->begin();
		upload->write(bytes.data(), bytes.size());
		upload->commit(name);
	}

	/// b's copy of the version this node stored.
	void giveB(const std::string& name)
	{
		auto file = _catalog->open(name);
		_remote->copy({"b", "http://b:1"}, *file);
	}

	/// Bytes changed behind the catalog's back, at the start of the file.
	void overwrite(const std::string& name, const std::string& bytes)
	{
		Poco::FileStream file(_dir->path() + "files/" + name, std::ios::in | std::ios::out);
		file.seekp(0);
		file << bytes;
	}

	std::string read(const std::string& name)
	{
		auto file = _catalog->open(name);
		return std::string{std::istreambuf_iterator<char>(*file->stream), std::istreambuf_iterator<char>()};
	}

	std::unique_ptr<p2p::test::TempDir> _dir;
	std::unique_ptr<FileCatalog> _catalog;
	std::unique_ptr<TestRing> _ring;
	std::unique_ptr<FakeFileTransfers> _remote;
	std::unique_ptr<FileScrubber> _scrubber;
};

CPPUNIT_TEST_SUITE_REGISTRATION(FileScrubberTest);
