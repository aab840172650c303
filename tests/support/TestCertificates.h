#ifndef P2P_Test_TestCertificates_INCLUDED
#define P2P_Test_TestCertificates_INCLUDED

#include "TestSupport.h"
#include <string>

namespace p2p::test {

/// A throwaway PKI made with openssl in a temporary directory: ca.pem (a
/// test CA), node.pem and node.key (a certificate it signs for 127.0.0.1 and
/// localhost), and other-ca.pem, a CA that signs nothing of ours. Made on
/// first use of file(), removed with the object.
class TestCertificates
{
public:
	/// The path of one of the files above.
	std::string file(const std::string& name);

private:
	void make();

	TempDir _dir;
	bool _made = false;
};

} // namespace p2p::test

#endif
