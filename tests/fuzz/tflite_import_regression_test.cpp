// Replays every file of tests/fuzz/corpus/tflite_import/ through the importer's fuzz target: the
// seed models (seed-*.tflite, the generated models of tests/tflite) must import; everything else
// (mutated variants, every input the fuzzer ever found) must be handled without crashing.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/fuzz/corpus_files.h"
#include "tests/fuzz/tflite_import_fuzz_target.h"

namespace tinynas::fuzz {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTarget = "tflite_import";

TEST(TfliteImportCorpusTest, SeedModelsImport) {
  int seeds = 0;
  for (const fs::path& path : corpus_files(kTarget)) {
    if (path.filename().string().rfind("seed-", 0) != 0) continue;
    ++seeds;
    const std::vector<uint8_t> bytes = file_bytes(path);
    const TfliteImportOutcome outcome = check_tflite_import_input(bytes.data(), bytes.size());
    EXPECT_TRUE(outcome.imported) << path << ": " << outcome.error;
  }
  EXPECT_GE(seeds, 9) << "tests/fuzz/write_tflite_import_seeds writes the seed corpus";
}

TEST(TfliteImportCorpusTest, EveryCorpusFileIsHandledWithoutCrashing) {
  const std::vector<fs::path> files = corpus_files(kTarget);
  ASSERT_FALSE(files.empty());
  for (const fs::path& path : files) {
    SCOPED_TRACE(path.string());
    const std::vector<uint8_t> bytes = file_bytes(path);
    check_tflite_import_input(bytes.data(), bytes.size());  // a crash fails the run
  }
}

}  // namespace
}  // namespace tinynas::fuzz
