#include "datasets/mlperf_labels.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <sstream>

#include "datasets/dataset_error.h"

namespace tinynas::datasets {

namespace {

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

// The whole field as a decimal int, or nothing ("10abc" and "" are not numbers).
std::optional<int> whole_int(const std::string& field) {
  int value = 0;
  const char* end = field.data() + field.size();
  const auto [stop, error] = std::from_chars(field.data(), end, value);
  if (error != std::errc() || stop != end || field.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::vector<MlperfLabel> parse_mlperf_labels(std::istream& text, const std::string& origin) {
  std::vector<MlperfLabel> samples;
  std::string line;
  for (std::size_t number = 1; std::getline(text, line); ++number) {
    if (trim(line).empty()) continue;
    std::vector<std::string> fields;
    std::stringstream stream(line);
    for (std::string field; std::getline(stream, field, ',');) fields.push_back(trim(field));
    if (!line.empty() && line.back() == ',') fields.emplace_back();
    const std::string where = origin + ":" + std::to_string(number);
    if (fields.size() != 3 || fields[0].empty()) {
      throw DatasetError(where + ": expected 'FILE, CLASS_COUNT, LABEL', found '" + line + "'");
    }
    const std::optional<int> classes = whole_int(fields[1]);
    const std::optional<int> label = whole_int(fields[2]);
    if (!classes || !label || *classes <= 0 || *label < 0 || *label >= std::max(*classes, 2)) {
      throw DatasetError(where +
                         ": class count and label must be numbers with 0 <= LABEL < "
                         "CLASS_COUNT, found '" +
                         fields[1] + "', '" + fields[2] + "'");
    }
    samples.push_back({fields[0], *classes, *label, number});
  }
  if (samples.empty()) throw DatasetError(origin + ": no samples");
  return samples;
}

}  // namespace tinynas::datasets
