#include "space/search_space.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/compiler/json_reader.h"
#include "engine/runtime/model_format.h"

namespace tinynas::space {
namespace {

using compiler::JsonObjectReader;
using compiler::SpecError;

// MobileNetV2's make_divisible never rounds a width down by more than this fraction.
constexpr double kMaxRoundDownFraction = 0.1;
constexpr int kMaxChannels = 65535;
// Every block has its 1x1 expansion conv, so a ratio of 1 (no expansion) is not a choice.
constexpr int kMinExpandRatio = 2;
constexpr int kMaxExpandRatio = 16;
constexpr int kMaxDepth = 16;

std::vector<int> read_ascending_list(const JsonObjectReader& reader, const std::string& key,
                                     int min_value, int max_value, bool odd_only) {
  const nlohmann::json& value = reader.at(key);
  const std::string path = compiler::json_key_path(reader.path(), key);
  if (!value.is_array() || value.empty()) {
    throw SpecError(path + ": expected a non-empty array of integers, found " +
                    compiler::describe_json(value));
  }
  std::vector<int> result;
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string item_path = compiler::json_index_path(path, i);
    const nlohmann::json& item = value[i];
    if (!item.is_number_integer()) {
      throw SpecError(item_path + ": expected an integer, found " + compiler::describe_json(item));
    }
    const int v = item.get<int>();
    if (v < min_value || v > max_value || (odd_only && v % 2 == 0)) {
      throw SpecError(item_path + ": expected " + (odd_only ? "an odd integer" : "an integer") +
                      " in [" + std::to_string(min_value) + ", " + std::to_string(max_value) +
                      "], found " + std::to_string(v));
    }
    if (!result.empty() && v <= result.back()) {
      throw SpecError(item_path + ": expected values in ascending order without repeats, found " +
                      std::to_string(v) + " after " + std::to_string(result.back()));
    }
    result.push_back(v);
  }
  return result;
}

int read_positive(const JsonObjectReader& reader, const std::string& key, int max_value) {
  const int v = reader.integer(key);
  if (v < 1 || v > max_value) {
    reader.fail(key, "an integer in [1, " + std::to_string(max_value) + "]", v);
  }
  return v;
}

int read_stride(const JsonObjectReader& reader, const std::string& key) {
  const int v = reader.integer(key);
  if (v != 1 && v != 2) reader.fail(key, "1 or 2", v);
  return v;
}

}  // namespace

int make_divisible(double value, int divisor) {
  int rounded = std::max(divisor, static_cast<int>(value + divisor / 2.0) / divisor * divisor);
  if (rounded < (1.0 - kMaxRoundDownFraction) * value) rounded += divisor;
  return rounded;
}

int SearchSpace::first_conv_channels() const {
  return make_divisible(first_conv_base_channels * width_multiplier);
}
int SearchSpace::stage_channels(int stage) const {
  return make_divisible(stages.at(static_cast<size_t>(stage)).base_channels * width_multiplier);
}
int SearchSpace::feature_mix_channels() const {
  return feature_mix_base_channels == 0
             ? 0
             : make_divisible(feature_mix_base_channels * width_multiplier);
}

SearchSpace parse_search_space(const nlohmann::json& document) {
  JsonObjectReader root(document, "");
  root.reject_unknown_keys({"format", "name", "resolution", "input_channels", "num_classes",
                            "width_multiplier", "first_conv", "stages", "feature_mix_channels",
                            "kernel_sizes", "expand_ratios", "depths"});
  const std::string format = root.string("format");
  if (format != kSpaceFormat) root.fail("format", std::string("\"") + kSpaceFormat + "\"", format);

  SearchSpace space;
  space.name = root.string("name");
  space.resolution = read_positive(root, "resolution", kMaxChannels);
  space.input_channels = read_positive(root, "input_channels", kMaxChannels);
  space.num_classes = read_positive(root, "num_classes", kMaxChannels);
  space.width_multiplier = root.number("width_multiplier");
  if (!(space.width_multiplier > 0.0)) {
    root.fail("width_multiplier", "a number > 0", root.at("width_multiplier"));
  }

  JsonObjectReader first(root.at("first_conv"), compiler::json_key_path("", "first_conv"));
  first.reject_unknown_keys({"channels", "kernel_size", "stride"});
  space.first_conv_base_channels = read_positive(first, "channels", kMaxChannels);
  space.first_conv_kernel_size = first.integer("kernel_size");
  if (space.first_conv_kernel_size % 2 == 0 ||
      space.first_conv_kernel_size > runtime::kMaxKernelSize || space.first_conv_kernel_size < 1) {
    first.fail("kernel_size",
               "an odd integer in [1, " + std::to_string(runtime::kMaxKernelSize) + "]",
               space.first_conv_kernel_size);
  }
  space.first_conv_stride = read_stride(first, "stride");

  const nlohmann::json& stages = root.at("stages");
  if (!stages.is_array() || stages.empty()) {
    throw SpecError("stages: expected a non-empty array of stage objects, found " +
                    compiler::describe_json(stages));
  }
  for (size_t i = 0; i < stages.size(); ++i) {
    JsonObjectReader stage(stages[i], compiler::json_index_path("stages", i));
    stage.reject_unknown_keys({"channels", "stride"});
    space.stages.push_back(
        {read_positive(stage, "channels", kMaxChannels), read_stride(stage, "stride")});
  }
  if (root.has_non_null("feature_mix_channels")) {
    space.feature_mix_base_channels = read_positive(root, "feature_mix_channels", kMaxChannels);
  }
  space.kernel_sizes = read_ascending_list(root, "kernel_sizes", 1, runtime::kMaxKernelSize, true);
  space.expand_ratios =
      read_ascending_list(root, "expand_ratios", kMinExpandRatio, kMaxExpandRatio, false);
  space.depths = read_ascending_list(root, "depths", 1, kMaxDepth, false);

  // Every stride-2 step must leave at least one pixel.
  int size = space.resolution;
  auto downsample = [&size](int stride) { size = (size + stride - 1) / stride; };
  downsample(space.first_conv_stride);
  for (const StageSpace& stage : space.stages) downsample(stage.stride);
  if (size < 1) root.fail("resolution", "a resolution that survives all strides", space.resolution);
  return space;
}

SearchSpace load_search_space(const std::string& path) {
  const nlohmann::json document = compiler::read_json_file(path);
  try {
    return parse_search_space(document);
  } catch (const SpecError& e) {
    throw SpecError(path + ": " + e.what());
  }
}

nlohmann::json search_space_to_json(const SearchSpace& space) {
  nlohmann::json stages = nlohmann::json::array();
  for (const StageSpace& stage : space.stages) {
    stages.push_back({{"channels", stage.base_channels}, {"stride", stage.stride}});
  }
  nlohmann::json document = {
      {"format", kSpaceFormat},
      {"name", space.name},
      {"resolution", space.resolution},
      {"input_channels", space.input_channels},
      {"num_classes", space.num_classes},
      {"width_multiplier", space.width_multiplier},
      {"first_conv",
       {{"channels", space.first_conv_base_channels},
        {"kernel_size", space.first_conv_kernel_size},
        {"stride", space.first_conv_stride}}},
      {"stages", stages},
      {"kernel_sizes", space.kernel_sizes},
      {"expand_ratios", space.expand_ratios},
      {"depths", space.depths},
  };
  if (space.feature_mix_base_channels > 0) {
    document["feature_mix_channels"] = space.feature_mix_base_channels;
  }
  return document;
}

}  // namespace tinynas::space
