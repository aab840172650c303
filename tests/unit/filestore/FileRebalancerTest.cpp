#include "FakeFileTransfers.h"
#include "FileRebalancer.h"
#include "../dht-router/TestRing.h"
#include "TestSupport.h"
#include <cppunit/extensions/HelperMacros.h>

using p2p::filestore::FileCatalog;
using p2p::filestore::FileRebalancer;

class FileRebalancerTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(FileRebalancerTest);
	CPPUNIT_TEST(testEveryFileReachesEveryOwner);
	CPPUNIT_TEST(testAnOwnerWithTheSameVersionGetsNoCopy);
	CPPUNIT_TEST(testAnOwnerWithAnotherVersionGetsThisOne);
	CPPUNIT_TEST(testFilesThisNodeNoLongerOwnsAreHandedOff);
	CPPUNIT_TEST(testNothingIsDroppedWhileAnOwnerIsDown);
	CPPUNIT_TEST(testNothingIsDroppedWhenAnOwnerRefusesTheCopy);
	CPPUNIT_TEST(testAloneThereIsNothingToDo);
	CPPUNIT_TEST(testAStoppedRebalancerLooksAtNoFile);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_dir = std::make_unique<p2p::test::TempDir>();
		_catalog = std::make_unique<FileCatalog>(_dir->path());
		_ring = std::make_unique<TestRing>();
		_remote = std::make_unique<FakeFileTransfers>();
		for (int i = 0; i < kFiles; ++i) store(name(i), "bytes of " + name(i));
	}

	void tearDown() override
	{
		_rebalancer.reset();
		_catalog.reset();
		_dir.reset();
	}

	void testEveryFileReachesEveryOwner()
	{
		join({"b", "c"});
		const auto pass = rebalancer(3).run();
		CPPUNIT_ASSERT_EQUAL(std::size_t(kFiles), pass.files);
		CPPUNIT_ASSERT_EQUAL(std::size_t(2 * kFiles), pass.copied);
		for (int i = 0; i < kFiles; ++i)
			for (const char* id : {"b", "c"})
			{
				const auto* copy = _remote->copyOn(id, name(i));
				CPPUNIT_ASSERT_MESSAGE(name(i) + " missing on " + id, copy);
				CPPUNIT_ASSERT_EQUAL("bytes of " + name(i), copy->bytes);
				CPPUNIT_ASSERT_EQUAL(_catalog->info(name(i))->sha256, copy->sha256);
			}
		CPPUNIT_ASSERT_EQUAL(std::size_t(kFiles), _catalog->count());
	}

	void testAnOwnerWithTheSameVersionGetsNoCopy()
	{
		join({"b"});
		for (int i = 0; i < kFiles; ++i) _remote->give("b", name(i), _catalog->info(name(i))->sha256);
		const auto pass = rebalancer(2).run();
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), pass.copied);
		CPPUNIT_ASSERT_EQUAL(0, _remote->copiesSent());
	}

	void testAnOwnerWithAnotherVersionGetsThisOne()
	{
		join({"b"});
		_remote->give("b", name(0), std::string(64, '0'));
		rebalancer(2).run();
		CPPUNIT_ASSERT_EQUAL(_catalog->info(name(0))->sha256, _remote->copyOn("b", name(0))->sha256);
	}

	void testFilesThisNodeNoLongerOwnsAreHandedOff()
	{
		join({"b", "c", "d", "e", "f"});
		const auto pass = rebalancer(1).run();
		std::size_t owned = 0;
		for (int i = 0; i < kFiles; ++i)
		{
			const auto owner = _ring->placement()->preferenceList(name(i), 1).at(0);
			const bool mine = owner.id == "a";
			owned += mine ? 1 : 0;
			CPPUNIT_ASSERT_EQUAL(mine, _catalog->info(name(i)).has_value());
			if (!mine) CPPUNIT_ASSERT_MESSAGE(name(i) + " not on its owner " + owner.id, _remote->copyOn(owner.id, name(i)));
		}
		CPPUNIT_ASSERT(owned > 0 && owned < std::size_t(kFiles));
		CPPUNIT_ASSERT_EQUAL(std::size_t(kFiles) - owned, pass.handedOff);
	}

	void testNothingIsDroppedWhileAnOwnerIsDown()
	{
		join({"b", "c", "d", "e", "f"});
		_remote->down("b");
		const auto pass = rebalancer(2).run();
		CPPUNIT_ASSERT(pass.failed > 0);
		for (int i = 0; i < kFiles; ++i)
		{
			const auto owners = _ring->placement()->preferenceList(name(i), 2);
			const bool bOwns = owners[0].id == "b" || owners[1].id == "b";
			if (bOwns) CPPUNIT_ASSERT_MESSAGE(name(i) + " was dropped before b had it", _catalog->info(name(i)).has_value());
		}
	}

	void testNothingIsDroppedWhenAnOwnerRefusesTheCopy()
	{
		join({"b", "c", "d", "e", "f"});
		for (const char* id : {"b", "c", "d", "e", "f"}) _remote->refuses(id);
		const auto pass = rebalancer(1).run();
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), pass.handedOff);
		CPPUNIT_ASSERT_EQUAL(std::size_t(kFiles), _catalog->count());
	}

	void testAloneThereIsNothingToDo()
	{
		const auto pass = rebalancer(2).run();
		CPPUNIT_ASSERT_EQUAL(std::size_t(kFiles), pass.files);
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), pass.copied + pass.handedOff + pass.failed);
		CPPUNIT_ASSERT_EQUAL(0, _remote->copiesSent());
	}

	void testAStoppedRebalancerLooksAtNoFile()
	{
		join({"b"});
		auto& pass = rebalancer(2);
		pass.stop();
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), pass.run().files);
		CPPUNIT_ASSERT_EQUAL(0, _remote->copiesSent());
	}

private:
	static constexpr int kFiles = 40;

	FileRebalancer& rebalancer(std::size_t replicas)
	{
		_rebalancer = std::make_unique<FileRebalancer>(*_catalog, "a", *_remote, _ring->placement(), replicas);
		return *_rebalancer;
	}

	void store(const std::string& fileName, const std::string& bytes)
	{
		auto upload = _catalog->begin();
		upload->write(bytes.data(), bytes.size());
		upload->commit(fileName);
	}

	void join(std::initializer_list<const char*> ids) { _ring->join(ids); }

	static std::string name(int i) { return "file-" + std::to_string(i) + ".txt"; }

	std::unique_ptr<p2p::test::TempDir> _dir;
	std::unique_ptr<FileCatalog> _catalog;
	std::unique_ptr<TestRing> _ring;
	std::unique_ptr<FakeFileTransfers> _remote;
	std::unique_ptr<FileRebalancer> _rebalancer;
};

CPPUNIT_TEST_SUITE_REGISTRATION(FileRebalancerTest);
