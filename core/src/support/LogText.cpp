#include "p2p/LogText.h"

namespace p2p {

std::string printable(const std::string& text)
{
	static const char hex[] = "0123456789abcdef";
	const auto escaped = [](std::string& out, unsigned char c) {
		out += "\\x";
		out += hex[c >> 4];
		out += hex[c & 15];
	};
	std::string out;
	out.reserve(text.size());
	for (std::size_t i = 0; i < text.size(); ++i)
	{
		const auto c = static_cast<unsigned char>(text[i]);
		if (c == '\\')
			out += "\\\\";
		else if (c == '\n')
			out += "\\n";
		else if (c == '\r')
			out += "\\r";
		else if (c == '\t')
			out += "\\t";
		else if (c < 0x20 || c == 0x7f)
			escaped(out, c);
		else if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0xa0 &&
		         static_cast<unsigned char>(text[i + 1]) >= 0x80)
		{
			// U+0080..U+009F: C1 controls, CSI (U+009B) among them.
			escaped(out, c);
			escaped(out, static_cast<unsigned char>(text[++i]));
		}
		else
			out += static_cast<char>(c);
	}
	return out;
}

} // namespace p2p
