// The files of a committed fuzz corpus (tests/fuzz/corpus/<target>/), for the regression tests
// that replay them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace tinynas::fuzz {

// The regular files of tests/fuzz/corpus/<target>/, sorted by name.
inline std::vector<std::filesystem::path> corpus_files(const std::string& target) {
  const std::filesystem::path dir =
      std::filesystem::path(TINYNAS_SOURCE_DIR) / "tests/fuzz/corpus" / target;
  std::vector<std::filesystem::path> files;
  for (const std::filesystem::directory_entry& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

inline std::vector<uint8_t> file_bytes(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(file)),
                              std::istreambuf_iterator<char>());
}

}  // namespace tinynas::fuzz
