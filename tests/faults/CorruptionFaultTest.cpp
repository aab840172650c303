#include "FaultSuite.h"
#include <Poco/File.h>
#include <cppunit/extensions/HelperMacros.h>
#include <fstream>
#include <iterator>

using namespace p2p::faults;

/// Bytes overwritten on one node's disk, behind its back, as a failing disk
/// or a stray write would: in a stored file, and in the SQLite database
/// page that holds a key's row. Each is detected (the file's SHA-256 by the
/// scrubber, the row's checksum on read), never served, and healed from a
/// fellow owner's copy.
class CorruptionFaultTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(CorruptionFaultTest);
	CPPUNIT_TEST(testADamagedFileAndADamagedRowAreHealed);
	CPPUNIT_TEST_SUITE_END();

public:
	void testADamagedFileAndADamagedRowAreHealed()
	{
		FaultNetwork network({5, {"filestore.scrub_interval_ms=1000"}, 60});
		const Poco::Timespan patience(30, 0);

		// A file, and one of its owners' copy damaged in the middle.
		std::string bytes;
		for (int i = 0; bytes.size() < 256 * 1024; ++i) bytes += "line " + std::to_string(i) + " of the file\n";
		CPPUNIT_ASSERT_EQUAL(200, network.http(1, "PUT", "/files/damaged.txt", bytes).status);
		const int fileOwner = ownerOf(network, "damaged.txt", 1);
		const std::string copy = fileIn(network.dataDir(fileOwner), "damaged.txt");
		CPPUNIT_ASSERT_MESSAGE("no copy of damaged.txt under " + network.dataDir(fileOwner), !copy.empty());
		overwrite(copy, 100 * 1024, "XXXXXXXX");
		CPPUNIT_ASSERT(contentsOf(copy) != bytes);
		const double fileHealed = timeUntil([&] { return contentsOf(copy) == bytes; }, patience);
		// Before the row's part, which may restart the same node.
		const double damagedCopies = metric(network, fileOwner, "p2p_filestore_damaged_copies_total");
		const double healedCopies = metric(network, fileOwner, "p2p_filestore_healed_copies_total");

		// A key, and one owner's row of it damaged in the database file itself.
		const std::string marker = "marker-" + std::to_string(Poco::Timestamp().epochMicroseconds());
		CPPUNIT_ASSERT_EQUAL(200, network.http(1, "PUT", "/kv/damaged", R"({"text": ")" + marker + R"("})").status);
		const int rowOwner = ownerOf(network, "damaged", 0);
		CPPUNIT_ASSERT(timeUntil([&] { return network.http(rowOwner, "GET", "/internal/kv/damaged").body.find(marker) != std::string::npos; },
		                         patience) >= 0);
		network.stop(rowOwner); // closes the database: its log is folded into the file
		const std::string database = fileIn(network.dataDir(rowOwner), "kv.sqlite");
		std::string page = contentsOf(database);
		const auto at = page.find(marker);
		CPPUNIT_ASSERT_MESSAGE("the row is not in " + database, at != std::string::npos);
		overwrite(database, at + marker.size() - 1, "Z");
		network.restart(FaultNetwork::name(rowOwner));
		CPPUNIT_ASSERT(timeUntil([&] { return network.whole(network.all()); }, patience) >= 0);
		const auto read = network.http(rowOwner, "GET", "/kv/damaged");
		const double rowHealed = timeUntil([&] { return network.http(rowOwner, "GET", "/internal/kv/damaged").body.find(marker) != std::string::npos; },
		                                   patience);
		const double detected = metric(network, rowOwner, "p2p_kvstore_corrupt_entries_total");

		figure("a damaged file copy, healed from another owner after", seconds(fileHealed, patience));
		figure("a damaged file copy, on " + FaultNetwork::name(fileOwner),
		       std::to_string(static_cast<int>(damagedCopies)) + " damaged copy found by the scrubber, " +
		           std::to_string(static_cast<int>(healedCopies)) + " fetched again by it (else the other owner's " +
		           "rebalancing, finding it missing, sent it first)");
		figure("a damaged kv row: read through its node", std::to_string(read.status) + " " + read.body.substr(0, 120));
		figure("a damaged kv row, detected rows", std::to_string(static_cast<int>(detected)));
		figure("a damaged kv row, healed from a fellow owner after", seconds(rowHealed, patience));

		CPPUNIT_ASSERT_MESSAGE("the damaged file copy was not healed", fileHealed >= 0);
		CPPUNIT_ASSERT_EQUAL(1.0, damagedCopies);
		CPPUNIT_ASSERT_EQUAL(200, read.status);
		CPPUNIT_ASSERT_MESSAGE(read.body, read.body.find(marker) != std::string::npos); // never the damaged value
		CPPUNIT_ASSERT(detected >= 1);
		CPPUNIT_ASSERT_MESSAGE("the damaged row was not healed", rowHealed >= 0);
	}

private:
	/// An owner of name by node 1's ring (the `index`-th it names).
	static int ownerOf(const FaultNetwork& network, const std::string& name, std::size_t index)
	{
		const auto answer = network.http(1, "GET", "/dht/locate/" + name + "?n=3");
		const auto replicas = p2p::test::jsonObject(answer.body)->getArray("replicas");
		return std::stoi(replicas->getObject(static_cast<unsigned>(index))->getValue<std::string>("id").substr(4));
	}

	/// The path of a file called `name` somewhere under dir, or "".
	static std::string fileIn(const std::string& dir, const std::string& name)
	{
		const auto found = p2p::test::runCommand("/usr/bin/find", {dir, "-name", name, "-type", "f"});
		const auto end = found.output.find('\n');
		return end == std::string::npos ? std::string() : found.output.substr(0, end);
	}

	/// Bytes changed in place: the file keeps its size, as a bad sector would.
	static void overwrite(const std::string& path, std::size_t at, const std::string& bytes)
	{
		std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
		file.seekp(static_cast<std::streamoff>(at));
		file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
		CPPUNIT_ASSERT_MESSAGE("cannot overwrite " + path, file.good());
	}

	static std::string contentsOf(const std::string& path)
	{
		std::ifstream in(path, std::ios::binary);
		return std::string{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
	}

	static double metric(const FaultNetwork& network, int k, const std::string& name)
	{
		const std::string text = network.http(k, "GET", "/metrics").body;
		const auto at = text.find("\n" + name + " ");
		return at == std::string::npos ? -1 : std::stod(text.substr(at + name.size() + 2));
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(CorruptionFaultTest);
