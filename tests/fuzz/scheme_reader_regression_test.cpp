// Replays every file of tests/fuzz/corpus/scheme_reader/ through the scheme fuzz target: the seed
// schemes (seed-*.json) read, resolve against the fuzz network, plan and compile; the refused
// variants (refused-*) are JSON the reader turns down with its own error; every file, and every
// input the fuzzer ever found (crash-*, timeout-*, ...), is handled without crashing.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/fuzz/corpus_files.h"
#include "tests/fuzz/scheme_fuzz_target.h"

namespace tinynas::fuzz {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTarget = "scheme_reader";

bool starts_with(const fs::path& path, const std::string& prefix) {
  return path.filename().string().rfind(prefix, 0) == 0;
}

TEST(SchemeReaderCorpusTest, SeedSchemesReadResolvePlanAndCompile) {
  int seeds = 0;
  for (const fs::path& path : corpus_files(kTarget)) {
    if (!starts_with(path, "seed-")) continue;
    ++seeds;
    const std::vector<uint8_t> bytes = file_bytes(path);
    const SchemeFuzzOutcome outcome = check_scheme_input(bytes.data(), bytes.size());
    EXPECT_TRUE(outcome.compiled) << path << ": " << outcome.error;
  }
  EXPECT_GE(seeds, 4);
}

TEST(SchemeReaderCorpusTest, RefusedVariantsGetTheReadersOwnError) {
  int refused = 0;
  for (const fs::path& path : corpus_files(kTarget)) {
    if (!starts_with(path, "refused-")) continue;
    ++refused;
    const std::vector<uint8_t> bytes = file_bytes(path);
    const SchemeFuzzOutcome outcome = check_scheme_input(bytes.data(), bytes.size());
    EXPECT_TRUE(outcome.json) << path;
    EXPECT_FALSE(outcome.planned) << path;
    EXPECT_FALSE(outcome.error.empty()) << path;
  }
  EXPECT_GE(refused, 8);
}

TEST(SchemeReaderCorpusTest, EveryCorpusFileIsHandledWithoutCrashing) {
  const std::vector<fs::path> files = corpus_files(kTarget);
  ASSERT_FALSE(files.empty());
  for (const fs::path& path : files) {
    SCOPED_TRACE(path.string());
    const std::vector<uint8_t> bytes = file_bytes(path);
    check_scheme_input(bytes.data(), bytes.size());  // an escaping exception fails the run
  }
}

}  // namespace
}  // namespace tinynas::fuzz
