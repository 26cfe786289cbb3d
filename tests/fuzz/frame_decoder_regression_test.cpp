// Replays every input of tests/fuzz/corpus/frame_decoder/ (seeds and every crasher scripts/fuzz
// ever found) through the frame decoder fuzz target, so a fixed decoder bug stays fixed. The
// serial line target (serial_line_fuzz.cpp) is replayed by the same code with its own corpus:
// TINYNAS_FUZZ_CORPUS names the corpus dir, TINYNAS_FUZZ_SUITE the test suite.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

#ifndef TINYNAS_FUZZ_CORPUS
#define TINYNAS_FUZZ_CORPUS "frame_decoder"
#define TINYNAS_FUZZ_SUITE FrameDecoderRegression
#endif

namespace {

TEST(TINYNAS_FUZZ_SUITE, EveryCorpusInputDecodesWithoutCrashing) {
  const std::filesystem::path corpus =
      std::filesystem::path(TINYNAS_SOURCE_DIR) / "tests/fuzz/corpus" / TINYNAS_FUZZ_CORPUS;
  ASSERT_TRUE(std::filesystem::is_directory(corpus)) << corpus;
  int replayed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    std::ifstream file(entry.path(), std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                                     std::istreambuf_iterator<char>());
    EXPECT_EQ(LLVMFuzzerTestOneInput(bytes.data(), bytes.size()), 0) << entry.path();
    ++replayed;
  }
  EXPECT_GT(replayed, 0) << "the seed corpus is missing";
}

}  // namespace
