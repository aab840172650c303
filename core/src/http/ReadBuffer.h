#ifndef P2P_ReadBuffer_INCLUDED
#define P2P_ReadBuffer_INCLUDED

#include <cstddef>
#include <string>
#include <string_view>

namespace p2p {

/// Bytes read from a socket and not yet parsed. Parsing takes from the
/// front by moving an offset, and the bytes taken are dropped only when
/// more are appended: a read that brings many pipelined messages costs one
/// move of what is left, not one per message (erasing each message's bytes
/// from the front was quadratic in the messages a read brings).
class ReadBuffer
{
public:
	std::string_view view() const { return std::string_view(_bytes).substr(_start); }
	const char* data() const { return _bytes.data() + _start; }
	std::size_t size() const { return _bytes.size() - _start; }
	bool empty() const { return size() == 0; }

	void append(const char* bytes, std::size_t n)
	{
		if (_start > 0)
		{
			_bytes.erase(0, _start);
			_start = 0;
		}
		_bytes.append(bytes, n);
	}

	/// Drops the first n bytes (at most what there is).
	void consume(std::size_t n)
	{
		_start += n < size() ? n : size();
		if (_start == _bytes.size()) clear();
	}

	void clear()
	{
		_bytes.clear();
		_start = 0;
	}

private:
	std::string _bytes;
	std::size_t _start = 0;
};

} // namespace p2p

#endif
