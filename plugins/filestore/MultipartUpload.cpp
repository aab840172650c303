#include "MultipartUpload.h"
#include "FileCatalog.h"
#include "FileName.h"
#include "p2p/Errors.h"
#include <Poco/CountingStream.h>
#include <Poco/Net/MediaType.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/MultipartReader.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Net/NetException.h>
#include <vector>

namespace p2p::filestore {

MultipartUpload::MultipartUpload(const std::string& contentType, Poco::UInt64 maxBytes): _maxBytes(maxBytes)
{
	const Poco::Net::MediaType type(contentType.empty() ? "application/octet-stream" : contentType);
	if (!type.matches("multipart", "form-data") || !type.hasParameter("boundary"))
		throw BadRequestException("an upload is multipart/form-data with a boundary and a field 'file' "
		                          "(curl -F 'file=@name')");
	_boundary = type.getParameter("boundary");
	if (_boundary.empty() || _boundary.size() > 70)
		throw BadRequestException("a multipart boundary is 1 to 70 characters (RFC 2046)");
}

std::string MultipartUpload::read(std::istream& body, Poco::Int64 declaredLength, const Receiver& receiver) const
{
	// Counted, to tell a body the client cut short from one that ended.
	Poco::CountingInputStream counted(body);
	try
	{
		Poco::Net::MultipartReader reader(counted, _boundary);
		std::string filename;
		bool received = false;
		for (int parts = 0; reader.hasNextPart(); ++parts)
		{
			// POCO's reader asks for another part forever once the body has
			// ended without its closing boundary (a client cut off). It reads
			// the stream buffer directly, so the stream's own state never
			// says end-of-file: ask the buffer.
			if (counted.rdbuf()->sgetc() == std::char_traits<char>::eof())
				throw BadRequestException("the upload ended before its closing boundary");
			if (parts >= kMaxParts) throw BadRequestException("the upload has more than " + std::to_string(kMaxParts) + " parts");
			Poco::Net::MessageHeader header;
			reader.nextPart(header);
			std::string disposition;
			Poco::Net::NameValueCollection params;
			Poco::Net::MessageHeader::splitParameters(header.get("Content-Disposition", ""), disposition, params);
			if (!received && params.get("name", "") == "file" && params.has("filename"))
			{
				filename = params.get("filename");
				FileName::validate(filename); // before a byte is written
				receiver(filename, reader.stream());
				received = true;
			}
			else
			{
				discard(reader.stream(), counted);
			}
		}
		if (!received) throw BadRequestException("the upload has no field 'file' with a filename");
		// POCO's reader also stops at the end of a body cut short (chunked,
		// or as long as declared but without its end): only the closing
		// boundary says the upload is complete.
		if (!static_cast<Poco::Net::MultipartInputStream&>(reader.stream()).lastPart())
			throw BadRequestException("the upload ended before its closing boundary");
		discard(counted, counted); // the epilogue, if any
		if (declaredLength >= 0 && counted.chars() < declaredLength)
			throw BadRequestException("the upload ended before its Content-Length");
		return filename;
	}
	catch (const Poco::Net::MessageException& exc) // MultipartException, or a part's malformed header
	{
		throw BadRequestException("the upload is not well-formed multipart: " + exc.message());
	}
}

void MultipartUpload::discard(std::istream& part, const Poco::CountingInputStream& body) const
{
	// Within the upload limit too: fields other than the file, preambles and
	// epilogues must not make a body of any size acceptable.
	std::vector<char> buffer(kBufferBytes);
	while (part.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || part.gcount() > 0)
	{
		if (static_cast<Poco::UInt64>(body.chars()) > _maxBytes + kAllowance)
			throw PayloadTooLargeException("the upload is larger than filestore.max_upload_bytes (" +
			                               std::to_string(_maxBytes) + " bytes)");
	}
}

} // namespace p2p::filestore
