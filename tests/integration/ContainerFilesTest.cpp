#include "TestSupport.h"
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/RegularExpression.h>
#include <Poco/String.h>
#include <cppunit/extensions/HelperMacros.h>
#include <iterator>
#include <set>

/// container/ cannot be run here (no Docker engine): these checks keep its
/// files true to the code instead.
class ContainerFilesTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(ContainerFilesTest);
	CPPUNIT_TEST(testComposeFileIsWhatTheGeneratorWrites);
	CPPUNIT_TEST(testComposeFileParsesAsTheSeedsNetwork);
	CPPUNIT_TEST(testComposeSettingsAreRealProperties);
	CPPUNIT_TEST(testDockerfileCopiesOnlyWhatExists);
	CPPUNIT_TEST(testKubernetesManifestsParseAndAgree);
	CPPUNIT_TEST(testOperationsGuideListsEveryProperty);
	CPPUNIT_TEST_SUITE_END();

public:
	void testComposeFileIsWhatTheGeneratorWrites()
	{
		const auto generated = p2p::test::runTool("p2p-cluster", {"compose", "--nodes", "100"});
		CPPUNIT_ASSERT_EQUAL(0, generated.status);
		CPPUNIT_ASSERT_MESSAGE("container/compose.yaml is stale: regenerate it with "
		                       "build/bin/p2p-cluster compose --nodes 100 > container/compose.yaml",
		                       generated.output == read("container/compose.yaml"));
	}

	void testComposeFileParsesAsTheSeedsNetwork()
	{
		const std::string script =
			"import sys, yaml\n"
			"d = yaml.safe_load(open(sys.argv[1]))\n"
			"s = d['services']\n"
			"assert len(s) == 101, len(s)\n"
			"assert 'p2p_network' in d['networks']\n"
			"assert s['node7']['ports'] == ['5007:5000'], s['node7']['ports']\n"
			"assert s['bootstrap']['ports'] == ['5000:5000']\n"
			"assert all(x['networks'] == ['p2p_network'] for x in s.values())\n"
			"assert s['node42']['environment']['P2P_CLUSTER_BOOTSTRAP'] == 'http://bootstrap:5000'\n"
			"assert s['node42']['environment']['P2P_NODE_ADVERTISE'] == 'http://node42:5000'\n"
			"print('ok')\n";
		runPython(script, {path("container/compose.yaml")});
	}

	void testKubernetesManifestsParseAndAgree()
	{
		const std::string script =
			"import sys, yaml\n"
			"docs = [d for f in sys.argv[1:] for d in yaml.safe_load_all(open(f)) if d]\n"
			"by = {}\n"
			"for d in docs: by.setdefault(d['kind'], []).append(d)\n"
			"assert sorted(by) == ['Deployment', 'PodDisruptionBudget', 'Service', 'StatefulSet'], sorted(by)\n"
			"sts = by['StatefulSet'][0]\n"
			"headless = [s for s in by['Service'] if s['spec'].get('clusterIP') == 'None']\n"
			"assert [s['metadata']['name'] for s in headless] == [sts['spec']['serviceName']]\n"
			"boot = [s for s in by['Service'] if s['metadata']['name'] == 'p2p-bootstrap']\n"
			"assert boot, 'no p2p-bootstrap Service'\n"
			"for w in by['Deployment'] + by['StatefulSet']:\n"
			"  c = w['spec']['template']['spec']['containers'][0]\n"
			"  assert c['image'] == 'p2p-node:latest', c['image']\n"
			"  assert c['readinessProbe']['httpGet']['path'] == '/health'\n"
			"  assert c['livenessProbe']['httpGet']['path'] == '/health'\n"
			"  assert c['ports'][0]['containerPort'] == 5000\n"
			"  assert c['resources']['requests']['memory']\n"
			"  assert w['spec']['template']['spec']['securityContext']['runAsUser'] == 10001\n"
			"  assert w['spec']['selector']['matchLabels'] == w['spec']['template']['metadata']['labels']\n"
			"env = {e['name']: e for e in sts['spec']['template']['spec']['containers'][0]['env']}\n"
			"assert env['P2P_CLUSTER_BOOTSTRAP']['value'] == 'http://p2p-bootstrap:5000'\n"
			"assert env['P2P_NODE_ID']['valueFrom']['fieldRef']['fieldPath'] == 'metadata.name'\n"
			"pdb = by['PodDisruptionBudget'][0]\n"
			"assert pdb['spec']['selector']['matchLabels'] == sts['spec']['selector']['matchLabels']\n";
		runPython(script, {path("container/k8s/bootstrap.yaml"), path("container/k8s/nodes.yaml")});
		// The image runs as the user the manifests expect.
		CPPUNIT_ASSERT(read("container/Dockerfile").find("USER 10001:10001") != std::string::npos);
	}

	void testComposeSettingsAreRealProperties()
	{
		// Every P2P_SECTION_SETTING variable in container/ must name a key
		// that config/node.properties (or bootstrap's) documents.
		const std::string documented = read("config/node.properties") + read("config/bootstrap.properties");
		Poco::RegularExpression variable("(?<!-D)\\bP2P_([A-Z]+)_([A-Z_]+)\\b"); // environment names, not -D CMake options
		std::set<std::string> keys;
		for (const char* file : {"container/compose.yaml", "container/Dockerfile", "container/k8s/bootstrap.yaml",
		                         "container/k8s/nodes.yaml"})
		{
			const std::string text = read(file);
			Poco::RegularExpression::Match match;
			std::string::size_type offset = 0;
			while (variable.match(text, offset, match) > 0)
			{
				std::vector<std::string> parts;
				variable.split(text, match.offset, parts);
				keys.insert(Poco::toLower(parts[1]) + "." + Poco::toLower(parts[2]));
				offset = match.offset + match.length;
			}
		}
		CPPUNIT_ASSERT(keys.count("cluster.bootstrap"));
		for (const auto& key : keys)
		{
			Poco::RegularExpression line("^#?" + key + " =", Poco::RegularExpression::RE_MULTILINE);
			Poco::RegularExpression::Match found;
			CPPUNIT_ASSERT_MESSAGE(key + " is not a documented property", line.match(documented, 0, found) > 0);
		}
	}

	void testDockerfileCopiesOnlyWhatExists()
	{
		const std::string dockerfile = read("container/Dockerfile");
		Poco::RegularExpression copy("^COPY ([^ -][^ ]*) ", Poco::RegularExpression::RE_MULTILINE);
		Poco::RegularExpression::Match match;
		std::string::size_type offset = 0;
		int copies = 0;
		while (copy.match(dockerfile, offset, match) > 0)
		{
			std::vector<std::string> parts;
			copy.split(dockerfile, match.offset, parts);
			CPPUNIT_ASSERT_MESSAGE(parts[1], Poco::File(path(parts[1])).exists());
			++copies;
			offset = match.offset + match.length;
		}
		CPPUNIT_ASSERT(copies >= 5);
		// The entry point is where the install layout puts things for /usr.
		CPPUNIT_ASSERT(dockerfile.find("/etc/p2p-node/node.properties") != std::string::npos);
		CPPUNIT_ASSERT(dockerfile.find("-DCMAKE_INSTALL_PREFIX=/usr") != std::string::npos);
	}

	void testOperationsGuideListsEveryProperty()
	{
		const std::string guide = read("docs/operations.md");
		Poco::RegularExpression key("^#?([a-z]+\\.[a-z_]+) =", Poco::RegularExpression::RE_MULTILINE);
		int checked = 0;
		for (const char* file : {"config/node.properties", "config/bootstrap.properties"})
		{
			const std::string text = read(file);
			Poco::RegularExpression::Match match;
			std::string::size_type offset = 0;
			while (key.match(text, offset, match) > 0)
			{
				std::vector<std::string> parts;
				key.split(text, match.offset, parts);
				offset = match.offset + match.length;
				if (parts[1].compare(0, 8, "logging.") == 0) continue; // POCO's own, covered as logging.*
				CPPUNIT_ASSERT_MESSAGE(parts[1] + " is missing from docs/operations.md",
				                       guide.find("`" + parts[1] + "`") != std::string::npos);
				++checked;
			}
		}
		CPPUNIT_ASSERT(checked > 30);
	}

private:
	static void runPython(const std::string& script, std::vector<std::string> args)
	{
		args.insert(args.begin(), {"-c", script});
		const auto result = p2p::test::runCommand("/usr/bin/python3", args);
		CPPUNIT_ASSERT_EQUAL_MESSAGE(result.output, 0, result.status);
	}

	static std::string path(const std::string& relative) { return p2p::test::sourceDir() + "/" + relative; }

	static std::string read(const std::string& relative)
	{
		Poco::FileInputStream in(path(relative));
		return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(ContainerFilesTest);
