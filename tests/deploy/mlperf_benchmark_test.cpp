// The host side of `tinynas benchmark` without a board: the figures it derives (median, ROC
// AUC), the reply parsing of the MLPerf Tiny client, and the dataset layouts it reads.
#include "deploy/mlperf_benchmark.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "profiler/mlperf_client.h"

namespace tinynas::deploy {
namespace {

namespace fs = std::filesystem;

TEST(MlperfBenchmark, MedianOfOddAndEvenCounts) {
  EXPECT_DOUBLE_EQ(median({3.0, 1.0, 2.0}), 2.0);
  EXPECT_DOUBLE_EQ(median({4.0, 1.0, 3.0, 2.0}), 2.5);
  EXPECT_DOUBLE_EQ(median({}), 0.0);
}

TEST(MlperfBenchmark, RocAucIsTheChanceAnAnomalyOutscoresANormalSample) {
  EXPECT_DOUBLE_EQ(*roc_auc({0.9f, 0.8f, 0.1f, 0.2f}, {1, 1, 0, 0}), 1.0);
  EXPECT_DOUBLE_EQ(*roc_auc({0.1f, 0.2f, 0.9f, 0.8f}, {1, 1, 0, 0}), 0.0);
  // Pairs (anomaly, normal): 0.9 > 0.5 wins, 0.9 < 0.95 loses, 0.5 = 0.5 ties (counts half),
  // 0.5 < 0.95 loses: 1.5 / 4.
  EXPECT_DOUBLE_EQ(*roc_auc({0.9f, 0.5f, 0.5f, 0.95f}, {1, 1, 0, 0}), 0.375);
  EXPECT_FALSE(roc_auc({0.1f, 0.2f}, {0, 0}).has_value());
}

TEST(MlperfBenchmark, ResultsLinesParseLikeTheReferenceRunner) {
  std::vector<float> scores;
  ASSERT_TRUE(profiler::parse_mlperf_results("m-results-[0.000,-1.250,12.346]", scores));
  EXPECT_EQ(scores, (std::vector<float>{0.0f, -1.25f, 12.346f}));
  EXPECT_FALSE(profiler::parse_mlperf_results("m-results-[a,b]", scores));
  EXPECT_FALSE(profiler::parse_mlperf_results("m-lap-us-12", scores));
}

TEST(MlperfBenchmark, PseudoRandomInputIsDeterministic) {
  EXPECT_EQ(pseudo_random_input(64, 1), pseudo_random_input(64, 1));
  EXPECT_NE(pseudo_random_input(64, 1), pseudo_random_input(64, 2));
}

class RawDataset : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(TINYNAS_EXPORT_TEST_DIR) / "mlperf-raw-dataset";
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    input_.size_bytes = 4;
    input_.shape = runtime::Shape{1, 2, 2, 1};
  }
  void write(const std::string& file, const std::string& bytes) {
    std::ofstream(dir_ / file, std::ios::binary) << bytes;
  }
  fs::path dir_;
  runtime::TensorInfo input_;
};

TEST_F(RawDataset, ReadsTheBenchmarksLabelsFileAndInputFiles) {
  write("a.bin", "abcd");
  write("b.bin", "efgh");
  write(kMlperfLabelsFile, "a.bin, 10, 3\n\nb.bin,10,7\n");
  const BenchmarkDataset dataset = load_benchmark_dataset(dir_.string(), input_, 10);
  ASSERT_EQ(dataset.inputs.size(), 2u);
  EXPECT_EQ(dataset.labels, (std::vector<int>{3, 7}));
  EXPECT_EQ(dataset.inputs[1], (std::vector<uint8_t>{'e', 'f', 'g', 'h'}));
  EXPECT_EQ(load_benchmark_dataset(dir_.string(), input_, 1).inputs.size(), 1u);
}

// A file listed class by class still gives every class its share when --samples takes a part.
TEST_F(RawDataset, ASampleIsSpreadOverTheFile) {
  std::string labels;
  for (int i = 0; i < 6; ++i) {
    const std::string file = "s" + std::to_string(i) + ".bin";
    write(file, std::string(4, static_cast<char>('a' + i)));
    labels += file + ", 3, " + std::to_string(i / 2) + "\n";
  }
  write(kMlperfLabelsFile, labels);
  const BenchmarkDataset dataset = load_benchmark_dataset(dir_.string(), input_, 3);
  EXPECT_EQ(dataset.labels, (std::vector<int>{0, 1, 2}));
  ASSERT_EQ(dataset.inputs.size(), 3u);
  EXPECT_EQ(dataset.inputs[1], std::vector<uint8_t>(4, 'c'));
}

TEST_F(RawDataset, ABadLineIsReportedEvenWhenTheSampleSkipsIt) {
  write("a.bin", "abcd");
  write(kMlperfLabelsFile, "a.bin, 10, 3\na.bin, 10, 3\na.bin, 10\n");
  try {
    load_benchmark_dataset(dir_.string(), input_, 1);
    FAIL() << "a bad third line was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("y_labels.csv:3: expected"), std::string::npos)
        << e.what();
  }
}

TEST_F(RawDataset, BadLinesAndWrongSizesNameTheFileAndLine) {
  write("a.bin", "abc");
  write(kMlperfLabelsFile, "a.bin, 10, 3\n");
  try {
    load_benchmark_dataset(dir_.string(), input_, 10);
    FAIL() << "a 3-byte input for a 4-byte model was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("a.bin: expected 4 bytes"), std::string::npos) << e.what();
  }
  write(kMlperfLabelsFile, "a.bin, 10\n");
  try {
    load_benchmark_dataset(dir_.string(), input_, 10);
    FAIL() << "a line without a label was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("y_labels.csv:1: expected 'FILE, CLASS_COUNT, LABEL'"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace tinynas::deploy
