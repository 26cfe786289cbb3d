// The MLPerf Tiny benchmark's dataset layout (the reference runner's): a directory of input
// files and y_labels.csv, one sample per line "FILE, CLASS_COUNT, LABEL" with FILE relative to
// the directory and holding exactly the model's input bytes. Blank lines are skipped; fields
// may be padded with spaces, tabs or a carriage return.
#pragma once

#include <cstddef>
#include <istream>
#include <string>
#include <vector>

namespace tinynas::datasets {

inline constexpr char kMlperfLabelsFile[] = "y_labels.csv";

struct MlperfLabel {
  std::string file;      // as written, relative to the labels file's directory
  int class_count = 0;   // >= 1
  int label = 0;         // 0 <= label < max(class_count, 2): one-score models label 0 / 1
  std::size_t line = 0;  // 1-based line in the labels file
};

// Every sample of a labels file, in file order. `origin` names the file in errors. Throws
// DatasetError "<origin>:<line>: ..." for a line that is not three fields, a FILE that is empty,
// a count or label that is not a whole decimal number in range; "<origin>: no samples" for a
// file without any.
std::vector<MlperfLabel> parse_mlperf_labels(std::istream& text, const std::string& origin);

}  // namespace tinynas::datasets
