#include "p2p/NodeUrl.h"
#include <Poco/Exception.h>
#include <Poco/URI.h>

namespace p2p {

bool isNodeUrl(const std::string& url)
{
	if (url.empty() || url.size() > 2048) return false;
	Poco::URI uri;
	try
	{
		uri = Poco::URI(url);
	}
	catch (const Poco::SyntaxException&)
	{
		return false;
	}
	return (uri.getScheme() == "http" || uri.getScheme() == "https") && !uri.getHost().empty() &&
	       uri.getSpecifiedPort() != 0 && uri.getUserInfo().empty() && (uri.getPath().empty() || uri.getPath() == "/") &&
	       uri.getRawQuery().empty() && uri.getFragment().empty();
}

} // namespace p2p
