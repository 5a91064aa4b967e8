// fuzz_corpus_replay: runs every file of the fuzzer's corpus through its target (fuzz_request.cpp) in
// the ordinary sanitizer build, so a crash the fuzzer once found stays fixed even where no clang is.
// Files named valid-* must be answered, invalid-* must get an error; others (found by the fuzzer) need
// only pass the target's checks.

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "attn/api.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_corpus_replay <corpus folder>\n";
    return 2;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(argv[1]))
    if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  int failed = 0;
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::string request((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(request.data()), request.size());  // aborts on a finding
    const std::string name = file.filename().string();
    const bool error = attn::api::is_error_response(attn::api::handle_request(request));
    if ((name.rfind("valid-", 0) == 0 && error) || (name.rfind("invalid-", 0) == 0 && !error)) {
      std::cerr << "fuzz_corpus_replay: " << name << (error ? " got an error" : " was answered") << "\n";
      ++failed;
    }
  }
  std::cout << "fuzz_corpus_replay: " << files.size() << " inputs, " << failed << " wrong\n";
  return files.empty() || failed ? 1 : 0;
}
