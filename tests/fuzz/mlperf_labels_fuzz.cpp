// libFuzzer target for the MLPerf Tiny labels file reader (datasets/mlperf_labels.h): any bytes
// either parse into samples that keep the reader's promises (a file name, 0 <= label <
// max(class count, 2), lines in order) or are refused with a DatasetError; nothing else.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "datasets/dataset_error.h"
#include "datasets/mlperf_labels.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream text(std::string(reinterpret_cast<const char*>(data), size));
  try {
    std::size_t previous_line = 0;
    for (const tinynas::datasets::MlperfLabel& sample :
         tinynas::datasets::parse_mlperf_labels(text, "fuzz input")) {
      const bool kept = !sample.file.empty() && sample.class_count >= 1 && sample.label >= 0 &&
                        sample.label < (sample.class_count < 2 ? 2 : sample.class_count) &&
                        sample.line > previous_line;
      if (!kept) __builtin_trap();
      previous_line = sample.line;
    }
  } catch (const tinynas::datasets::DatasetError&) {
  }
  return 0;
}
