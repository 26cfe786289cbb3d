// Replays every file of tests/fuzz/corpus/tflite_reader/ through the TFLite fuzz target: the
// seed models (seed-*.tflite) must read and round-trip; the truncated and mutated variants
// (variant-*) and every input the fuzzer ever found (crash-*, timeout-*, ...) must be handled
// without crashing.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/fuzz/corpus_files.h"
#include "tests/fuzz/tflite_fuzz_target.h"

namespace tinynas::fuzz {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTarget = "tflite_reader";

bool starts_with(const fs::path& path, const std::string& prefix) {
  return path.filename().string().rfind(prefix, 0) == 0;
}

TEST(TfliteReaderCorpusTest, SeedModelsReadAndRoundTrip) {
  int seeds = 0;
  for (const fs::path& path : corpus_files(kTarget)) {
    if (!starts_with(path, "seed-")) continue;
    ++seeds;
    const std::vector<uint8_t> bytes = file_bytes(path);
    const TfliteFuzzOutcome outcome = check_tflite_input(bytes.data(), bytes.size());
    EXPECT_TRUE(outcome.read) << path << ": " << outcome.error;
    EXPECT_TRUE(outcome.round_tripped) << path;
  }
  EXPECT_GE(seeds, 4) << "tests/fuzz/write_tflite_seeds writes the seed corpus";
}

TEST(TfliteReaderCorpusTest, TruncatedVariantsAreRefused) {
  int truncated = 0;
  for (const fs::path& path : corpus_files(kTarget)) {
    if (!starts_with(path, "variant-truncated-")) continue;
    ++truncated;
    const std::vector<uint8_t> bytes = file_bytes(path);
    EXPECT_FALSE(check_tflite_input(bytes.data(), bytes.size()).read) << path;
  }
  EXPECT_GE(truncated, 4);
}

TEST(TfliteReaderCorpusTest, EveryCorpusFileIsHandledWithoutCrashing) {
  const std::vector<fs::path> files = corpus_files(kTarget);
  ASSERT_FALSE(files.empty());
  for (const fs::path& path : files) {
    SCOPED_TRACE(path.string());
    const std::vector<uint8_t> bytes = file_bytes(path);
    check_tflite_input(bytes.data(), bytes.size());  // a crash or sanitizer report fails the run
  }
}

}  // namespace
}  // namespace tinynas::fuzz
