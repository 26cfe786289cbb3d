// Replays every file of tests/fuzz/corpus/model_validator/ through the fuzz target: the seed
// models (seed-*.tnm) must be valid and run, the training seeds (seed-train-*.tnm) also train a
// step; every other file is an input the fuzzer once found
// interesting (a crash, a leak, a timeout), kept so it stays fixed.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "engine/runtime/status.h"
#include "tests/fuzz/model_fuzz_target.h"

namespace tinynas::fuzz {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> corpus_files() {
  const fs::path dir = fs::path(TINYNAS_SOURCE_DIR) / "tests/fuzz/corpus/model_validator";
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<uint8_t> read_file(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(file)),
                              std::istreambuf_iterator<char>());
}

bool is_seed(const fs::path& path) { return path.filename().string().rfind("seed-", 0) == 0; }

TEST(ModelValidatorCorpusTest, SeedModelsAreValidAndRun) {
  int seeds = 0;
  for (const fs::path& path : corpus_files()) {
    if (!is_seed(path)) continue;
    ++seeds;
    const std::vector<uint8_t> bytes = read_file(path);
    const FuzzOutcome outcome = check_model_input(bytes.data(), bytes.size());
    EXPECT_EQ(outcome.as_given, runtime::Status::kOk)
        << path << ": " << runtime::status_message(outcome.as_given);
    EXPECT_TRUE(outcome.ran) << path;
  }
  EXPECT_GE(seeds, 3) << "tests/fuzz/write_model_seeds writes the seed corpus";
}

TEST(ModelValidatorCorpusTest, TrainingSeedsTrain) {
  int seeds = 0;
  for (const fs::path& path : corpus_files()) {
    if (path.filename().string().rfind("seed-train-", 0) != 0) continue;
    ++seeds;
    const std::vector<uint8_t> bytes = read_file(path);
    EXPECT_TRUE(check_model_input(bytes.data(), bytes.size()).trained) << path;
  }
  EXPECT_GE(seeds, 2) << "tests/fuzz/write_model_seeds writes the training seeds";
}

TEST(ModelValidatorCorpusTest, EveryCorpusFileIsHandledWithoutCrashing) {
  const std::vector<fs::path> files = corpus_files();
  ASSERT_FALSE(files.empty());
  for (const fs::path& path : files) {
    SCOPED_TRACE(path.string());
    const std::vector<uint8_t> bytes = read_file(path);
    check_model_input(bytes.data(), bytes.size());  // a crash or sanitizer report fails the run
  }
}

}  // namespace
}  // namespace tinynas::fuzz
