// The MLPerf Tiny labels file (y_labels.csv) as `tinynas benchmark --mode accuracy` reads it.
#include "datasets/mlperf_labels.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "datasets/dataset_error.h"

namespace tinynas::datasets {
namespace {

std::vector<MlperfLabel> parse(const std::string& text) {
  std::istringstream stream(text);
  return parse_mlperf_labels(stream, "y_labels.csv");
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const DatasetError& e) {
    return e.what();
  }
  return "";
}

TEST(MlperfLabels, ReadsFileCountAndLabelWithTheirLines) {
  const std::vector<MlperfLabel> samples =
      parse("a.bin, 10, 3\n\n b.bin\t,10 ,7\r\nnormal.bin, 1, 1\n");
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(samples[0].file, "a.bin");
  EXPECT_EQ(samples[0].class_count, 10);
  EXPECT_EQ(samples[0].label, 3);
  EXPECT_EQ(samples[0].line, 1u);
  EXPECT_EQ(samples[1].file, "b.bin");
  EXPECT_EQ(samples[1].label, 7);
  EXPECT_EQ(samples[1].line, 3u);
  // A one-score (anomaly) model's file says 1 class; its labels are 0 (normal) and 1.
  EXPECT_EQ(samples[2].label, 1);
}

TEST(MlperfLabels, EveryRefusedLineIsNamedWithWhatWasExpected) {
  const std::string shape = ": expected 'FILE, CLASS_COUNT, LABEL'";
  EXPECT_NE(error_of("a.bin, 10, 3\na.bin, 10\n").find("y_labels.csv:2" + shape),
            std::string::npos);
  EXPECT_NE(error_of(", 10, 3\n").find("y_labels.csv:1" + shape), std::string::npos);
  EXPECT_NE(error_of("a.bin, 10, 3,\n").find("y_labels.csv:1" + shape), std::string::npos);
  const std::string range = ": class count and label must be numbers with 0 <= LABEL < CLASS_COUNT";
  EXPECT_NE(error_of("a.bin, 10, 10\n").find("y_labels.csv:1" + range), std::string::npos);
  EXPECT_NE(error_of("a.bin, 10abc, 3\n").find("found '10abc', '3'"), std::string::npos);
  EXPECT_NE(error_of("a.bin, 99999999999999999999, 3\n").find("y_labels.csv:1" + range),
            std::string::npos);
  EXPECT_NE(error_of("a.bin, 0, 0\n").find("y_labels.csv:1" + range), std::string::npos);
  EXPECT_EQ(error_of("\n  \n"), "y_labels.csv: no samples");
}

}  // namespace
}  // namespace tinynas::datasets
