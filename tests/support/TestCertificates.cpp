#include "TestCertificates.h"
#include <Poco/Exception.h>
#include <Poco/FileStream.h>
#include <vector>

namespace p2p::test {

std::string TestCertificates::file(const std::string& name)
{
	if (!_made) make();
	return _dir.file(name);
}

void TestCertificates::make()
{
	const std::string dir = _dir.path();
	{
		Poco::FileOutputStream ext(dir + "san.cnf");
		ext << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
	}
	const std::vector<std::vector<std::string>> steps{
		{"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", dir + "ca.key",
		 "-out", dir + "ca.pem", "-days", "2", "-subj", "/CN=p2p test CA"},
		{"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
		 dir + "other-ca.key", "-out", dir + "other-ca.pem", "-days", "2", "-subj", "/CN=someone else's CA"},
		{"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", dir + "node.key", "-out",
		 dir + "node.csr", "-subj", "/CN=127.0.0.1"},
		{"x509", "-req", "-in", dir + "node.csr", "-CA", dir + "ca.pem", "-CAkey", dir + "ca.key", "-CAcreateserial",
		 "-out", dir + "node.pem", "-days", "2", "-extfile", dir + "san.cnf"}};
	for (const auto& step : steps)
	{
		const ToolResult made = runCommand("openssl", step);
		if (made.status != 0) throw Poco::RuntimeException("openssl " + step.front() + " failed: " + made.output);
	}
	_made = true;
}

} // namespace p2p::test
