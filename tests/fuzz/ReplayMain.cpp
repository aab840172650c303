// A main() for the fuzz targets without libFuzzer: runs LLVMFuzzerTestOneInput
// once on every file in the directories (or on the files) given as
// arguments, so the seed corpora run as CTest tests with any compiler and
// under the sanitizer build. A target reports a broken invariant by
// aborting, as it does under libFuzzer; an empty corpus is an error, so a
// wrong path cannot pass unnoticed.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void runOne(const std::filesystem::path& file)
{
	std::ifstream in(file, std::ios::binary);
	const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
	std::cout << "running " << file.string() << " (" << bytes.size() << " bytes)" << std::endl;
	LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

} // namespace

int main(int argc, char** argv)
{
	std::size_t count = 0;
	for (int i = 1; i < argc; ++i)
	{
		const std::filesystem::path path(argv[i]);
		if (std::filesystem::is_directory(path))
		{
			std::vector<std::filesystem::path> files;
			for (const auto& entry : std::filesystem::directory_iterator(path))
				if (entry.is_regular_file()) files.push_back(entry.path());
			std::sort(files.begin(), files.end()); // the same order on every run
			for (const auto& file : files) runOne(file);
			count += files.size();
		}
		else if (std::filesystem::is_regular_file(path))
		{
			runOne(path);
			++count;
		}
		else
		{
			std::cerr << "no such corpus directory or file: " << path.string() << std::endl;
			return 1;
		}
	}
	if (count == 0)
	{
		std::cerr << "usage: " << argv[0] << " <corpus directory or file>... (found no inputs)" << std::endl;
		return 1;
	}
	std::cout << count << " inputs passed" << std::endl;
	return 0;
}
