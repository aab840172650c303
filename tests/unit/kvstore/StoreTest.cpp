#include "CachedStore.h"
#include "KeyRules.h"
#include "MemoryStore.h"
#include "SqliteStore.h"
#include "TestSupport.h"
#include <Poco/Data/Session.h>
#include "p2p/Errors.h"
#include <cppunit/extensions/HelperMacros.h>

using p2p::kvstore::Entry;
using p2p::kvstore::Store;

/// The contract every Store keeps, run against each backend.
class StoreContract: public CppUnit::TestFixture
{
public:
	void testMissingKeyIsEmpty() { CPPUNIT_ASSERT(!store().get("absent")); }

	void testStoresAndReadsBack()
	{
		CPPUNIT_ASSERT(store().apply("color", entry("\"blue\"", 10, "a")));
		const auto got = store().get("color");
		CPPUNIT_ASSERT(got);
		CPPUNIT_ASSERT_EQUAL(std::string("\"blue\""), got->value);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(10), got->timestamp);
		CPPUNIT_ASSERT_EQUAL(std::string("a"), got->node);
		CPPUNIT_ASSERT(!got->deleted);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), store().size());
	}

	void testLastWriterWins()
	{
		store().apply("k", entry("1", 20, "a"));
		CPPUNIT_ASSERT(!store().apply("k", entry("0", 10, "z"))); // older: ignored
		CPPUNIT_ASSERT(!store().apply("k", entry("1", 20, "a"))); // the same version again
		CPPUNIT_ASSERT(store().apply("k", entry("2", 20, "b")));  // same time, larger node id
		CPPUNIT_ASSERT(store().apply("k", entry("3", 30, "a")));
		CPPUNIT_ASSERT_EQUAL(std::string("3"), store().get("k")->value);
	}

	void testTombstonesBeatOlderWrites()
	{
		store().apply("k", entry("1", 10, "a"));
		Entry tombstone = entry("", 20, "a");
		tombstone.deleted = true;
		CPPUNIT_ASSERT(store().apply("k", tombstone));
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), store().size());
		CPPUNIT_ASSERT(!store().apply("k", entry("late", 15, "b"))); // a delayed older write stays dead
		CPPUNIT_ASSERT(store().get("k")->deleted);
		CPPUNIT_ASSERT(store().apply("k", entry("again", 25, "b")));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), store().size());
	}

	void testScanWalksEveryKeyInOrderInPages()
	{
		for (const char* key : {"c", "a", "e", "b", "d"}) store().apply(key, entry("1", 1, "n"));
		Entry tombstone = entry("", 2, "n");
		tombstone.deleted = true;
		store().apply("d", tombstone);
		std::string walked;
		std::string after;
		for (int pages = 0;; ++pages)
		{
			CPPUNIT_ASSERT(pages < 10);
			const auto page = store().scan(after, 2);
			if (page.empty()) break;
			CPPUNIT_ASSERT(page.size() <= 2);
			for (const auto& [key, e] : page) walked += key + (e.deleted ? "-" : "");
			after = page.back().first;
		}
		CPPUNIT_ASSERT_EQUAL(std::string("abcd-e"), walked); // tombstones included
	}

	void testEraseOnlyTheGivenVersion()
	{
		store().apply("k", entry("1", 10, "a"));
		store().apply("k", entry("2", 20, "a"));
		CPPUNIT_ASSERT(!store().erase("k", entry("", 10, "a"))); // a newer write arrived meanwhile
		CPPUNIT_ASSERT_EQUAL(std::string("2"), store().get("k")->value);
		CPPUNIT_ASSERT(store().erase("k", entry("", 20, "a")));
		CPPUNIT_ASSERT(!store().get("k"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), store().size());
		CPPUNIT_ASSERT(!store().erase("k", entry("", 20, "a")));
		CPPUNIT_ASSERT(store().apply("k", entry("3", 5, "a"))); // gone means any version is new again
	}

	void testKeysAreOpaqueBytes()
	{
		const std::string key = "a/b c\xc3\xa9'\";--";
		store().apply(key, entry("{\"x\":1}", 1, "a"));
		CPPUNIT_ASSERT_EQUAL(std::string("{\"x\":1}"), store().get(key)->value);
		CPPUNIT_ASSERT(!store().get("a/b c"));
	}

	void testApplyAllKeepsLastWriterWinsWithinTheBatch()
	{
		store().apply("old", entry("stored", 20, "a"));
		const auto applied = store().applyAll({{"k", entry("1", 10, "a")},
		                                       {"k", entry("2", 30, "a")},
		                                       {"k", entry("late", 20, "a")}, // older than the batch's own write
		                                       {"old", entry("stale", 10, "a")},
		                                       {"new", entry("3", 1, "a")}});
		CPPUNIT_ASSERT((applied == std::vector<bool>{true, true, false, false, true}));
		CPPUNIT_ASSERT_EQUAL(std::string("2"), store().get("k")->value);
		CPPUNIT_ASSERT_EQUAL(std::string("stored"), store().get("old")->value);
		CPPUNIT_ASSERT_EQUAL(std::string("3"), store().get("new")->value);
		CPPUNIT_ASSERT(store().applyAll({}).empty());
	}

protected:
	virtual Store& store() = 0;

	static Entry entry(const std::string& value, Poco::Int64 timestamp, const std::string& node)
	{
		Entry e;
		e.value = value;
		e.timestamp = timestamp;
		e.node = node;
		return e;
	}
};

#define P2P_STORE_CONTRACT(Fixture)              \
	CPPUNIT_TEST_SUITE(Fixture);                 \
	CPPUNIT_TEST(testMissingKeyIsEmpty);         \
	CPPUNIT_TEST(testStoresAndReadsBack);        \
	CPPUNIT_TEST(testLastWriterWins);            \
	CPPUNIT_TEST(testTombstonesBeatOlderWrites); \
	CPPUNIT_TEST(testKeysAreOpaqueBytes);        \
	CPPUNIT_TEST(testScanWalksEveryKeyInOrderInPages); \
	CPPUNIT_TEST(testEraseOnlyTheGivenVersion);  \
	CPPUNIT_TEST(testApplyAllKeepsLastWriterWinsWithinTheBatch);

class MemoryStoreTest: public StoreContract
{
	P2P_STORE_CONTRACT(MemoryStoreTest)
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override { _store = std::make_unique<p2p::kvstore::MemoryStore>(); }

protected:
	Store& store() override { return *_store; }

private:
	std::unique_ptr<p2p::kvstore::MemoryStore> _store;
};

class SqliteStoreTest: public StoreContract
{
	P2P_STORE_CONTRACT(SqliteStoreTest)
	CPPUNIT_TEST(testSurvivesReopening);
	CPPUNIT_TEST(testFullSyncSurvivesReopening);
	CPPUNIT_TEST(testAFullDatabaseRefusesWritesWhole);
	CPPUNIT_TEST(testADamagedRowIsDetectedAndDropped);
	CPPUNIT_TEST(testKeyRules);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_dir = std::make_unique<p2p::test::TempDir>();
		_store = std::make_unique<p2p::kvstore::SqliteStore>(_dir->file("kv.sqlite"));
	}

	void tearDown() override
	{
		_store.reset();
		_dir.reset();
	}

	void testSurvivesReopening()
	{
		_store->apply("k", entry("\"v\"", 5, "a"));
		_store = std::make_unique<p2p::kvstore::SqliteStore>(_dir->file("kv.sqlite"));
		CPPUNIT_ASSERT_EQUAL(std::string("\"v\""), _store->get("k")->value);
	}

	void testFullSyncSurvivesReopening()
	{
		using p2p::kvstore::SqliteStore;
		_store = std::make_unique<SqliteStore>(_dir->file("full.sqlite"), SqliteStore::Sync::Full);
		_store->applyAll({{"a", entry("1", 1, "n")}, {"b", entry("2", 1, "n")}});
		_store = std::make_unique<SqliteStore>(_dir->file("full.sqlite"), SqliteStore::Sync::Full);
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), _store->size());
	}

	void testAFullDatabaseRefusesWritesWhole()
	{
		using p2p::kvstore::SqliteStore;
		// 64 KiB: SQLite answers SQLITE_FULL past it, as on a full disk.
		_store = std::make_unique<SqliteStore>(_dir->file("small.sqlite"), SqliteStore::Sync::Normal, nullptr, 64 * 1024);
		const std::string big = "\"" + std::string(2000, 'x') + "\"";
		std::size_t stored = 0;
		bool refused = false;
		for (; stored < 1000 && !refused; ++stored)
		{
			try
			{
				_store->apply("k" + std::to_string(stored), entry(big, 1, "n"));
			}
			catch (const p2p::InsufficientStorageException& exc)
			{
				refused = true;
				CPPUNIT_ASSERT_MESSAGE(exc.message(), exc.message().find("disk is full") != std::string::npos);
			}
		}
		CPPUNIT_ASSERT(refused);
		--stored; // the one refused
		CPPUNIT_ASSERT(!_store->get("k" + std::to_string(stored)));
		// A batch that does not fit is refused whole: none of it is kept.
		CPPUNIT_ASSERT_THROW(_store->applyAll({{"batch-a", entry("1", 1, "n")}, {"batch-b", entry(big, 1, "n")},
		                                       {"batch-c", entry(big, 1, "n")}}),
		                     p2p::InsufficientStorageException);
		CPPUNIT_ASSERT(!_store->get("batch-a"));
		// What was stored stays readable, and space made by deleting is used again.
		CPPUNIT_ASSERT_EQUAL(stored, _store->size());
		for (std::size_t i = 0; i < 4; ++i) CPPUNIT_ASSERT(_store->erase("k" + std::to_string(i), entry(big, 1, "n")));
		CPPUNIT_ASSERT(_store->apply("after", entry("1", 1, "n")));
	}

	void testADamagedRowIsDetectedAndDropped()
	{
		_store->apply("good", entry("\"kept\"", 5, "a"));
		_store->apply("bad", entry("\"original\"", 5, "a"));
		_store->apply("zzz", entry("1", 5, "a"));
		// Bytes changed behind the store's back, as a bad disk or a stray
		// write would change them: the row's checksum no longer matches.
		{
			Poco::Data::Session raw("SQLite", _dir->file("kv.sqlite"));
			raw << "UPDATE kv SET value = '\"tampered\"' WHERE key = 'bad'", Poco::Data::Keywords::now;
		}
		CPPUNIT_ASSERT(!_store->get("bad")); // never served
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(1), _store->corruptEntries());
		const auto page = _store->scan("", 10);
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), page.size()); // the walk goes on past it
		CPPUNIT_ASSERT_EQUAL(std::string("good"), page[0].first);
		CPPUNIT_ASSERT_EQUAL(std::string("zzz"), page[1].first);
		// Dropped, so a fellow owner's copy of the same version is taken again.
		CPPUNIT_ASSERT(_store->apply("bad", entry("\"original\"", 5, "a")));
		CPPUNIT_ASSERT_EQUAL(std::string("\"original\""), _store->get("bad")->value);
		CPPUNIT_ASSERT_EQUAL(std::string("\"kept\""), _store->get("good")->value);
	}

	void testKeyRules()
	{
		using p2p::kvstore::KeyRules;
		KeyRules::validate("color");
		KeyRules::validate("caf\xc3\xa9 / menu");
		KeyRules::validate(std::string(1024, 'k'));
		CPPUNIT_ASSERT_THROW(KeyRules::validate(""), p2p::BadRequestException);
		CPPUNIT_ASSERT_THROW(KeyRules::validate(std::string(1025, 'k')), p2p::BadRequestException);
		CPPUNIT_ASSERT_THROW(KeyRules::validate("bad \xff utf8"), p2p::BadRequestException);
		CPPUNIT_ASSERT_THROW(KeyRules::validate("cut \xc3"), p2p::BadRequestException);
		CPPUNIT_ASSERT_THROW(KeyRules::validate(std::string("a\0b", 3)), p2p::BadRequestException);
	}

protected:
	Store& store() override { return *_store; }

private:
	std::unique_ptr<p2p::test::TempDir> _dir;
	std::unique_ptr<p2p::kvstore::SqliteStore> _store;
};

/// The cache in front of SQLite keeps the same contract, and its own rules.
class CachedStoreTest: public StoreContract
{
	P2P_STORE_CONTRACT(CachedStoreTest)
	CPPUNIT_TEST(testEvictsLeastRecentlyUsed);
	CPPUNIT_TEST(testNeverGoesBackToAnOlderVersion);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_dir = std::make_unique<p2p::test::TempDir>();
		_store = std::make_unique<p2p::kvstore::CachedStore>(
			std::make_unique<p2p::kvstore::SqliteStore>(_dir->file("kv.sqlite")), 2);
	}

	void tearDown() override
	{
		_store.reset();
		_dir.reset();
	}

	void testEvictsLeastRecentlyUsed()
	{
		_store->apply("a", entry("1", 1, "n"));
		_store->apply("b", entry("2", 1, "n"));
		_store->get("a"); // a is now the most recent
		_store->apply("c", entry("3", 1, "n"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), _store->cached());
		// b was evicted from memory, not from the store.
		CPPUNIT_ASSERT_EQUAL(std::string("2"), _store->get("b")->value);
	}

	void testNeverGoesBackToAnOlderVersion()
	{
		_store->apply("k", entry("new", 20, "n"));
		CPPUNIT_ASSERT(!_store->apply("k", entry("old", 10, "n")));
		CPPUNIT_ASSERT_EQUAL(std::string("new"), _store->get("k")->value);
	}

protected:
	Store& store() override { return *_store; }

private:
	std::unique_ptr<p2p::test::TempDir> _dir;
	std::unique_ptr<p2p::kvstore::CachedStore> _store;
};

CPPUNIT_TEST_SUITE_REGISTRATION(MemoryStoreTest);
CPPUNIT_TEST_SUITE_REGISTRATION(CachedStoreTest);
CPPUNIT_TEST_SUITE_REGISTRATION(SqliteStoreTest);
