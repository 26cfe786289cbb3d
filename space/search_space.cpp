#include "space/search_space.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "config/field_reader.h"
#include "config/json_file.h"
#include "engine/compiler/spec_error.h"
#include "engine/runtime/model_format.h"

namespace tinynas::space {
namespace {

using compiler::SpecError;

// MobileNetV2's make_divisible never rounds a width down by more than this fraction.
constexpr double kMaxRoundDownFraction = 0.1;
constexpr int kMaxChannels = 65535;
// Ratio 1: no 1x1 expansion conv (MobileNetV2's and MCUNet's first block).
constexpr int kMinExpandRatio = 1;
constexpr int kMaxExpandRatio = 16;
constexpr int kMaxDepth = 16;

// A non-empty array of integers in [min_value, max_value] (odd ones only when `odd_only`),
// ascending without repeats.
std::vector<int> read_ascending_list(const config::ObjectReader& reader, const std::string& key,
                                     int min_value, int max_value, bool odd_only) {
  const auto list = reader.array(key, "a non-empty array of integers", config::kRequired, 1);
  if (!list) return {};
  std::vector<int> values;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::optional<int64_t> value = list->integer(i);
    if (!value) continue;
    if (*value < min_value || *value > max_value || (odd_only && *value % 2 == 0)) {
      list->add_error(i,
                      std::string(odd_only ? "an odd integer" : "an integer") + " in [" +
                          std::to_string(min_value) + ", " + std::to_string(max_value) + "]",
                      nlohmann::json(*value));
      continue;
    }
    values.push_back(static_cast<int>(*value));
  }
  if (values.size() != list->size() || !list->check_ascending(values)) return {};
  return values;
}

int read_positive(const config::ObjectReader& reader, const std::string& key, int max_value) {
  return static_cast<int>(reader.integer(key, 1, max_value).value_or(0));
}

int read_stride(const config::ObjectReader& reader, const std::string& key) {
  const std::optional<int64_t> stride = reader.integer(key);
  if (stride && *stride != 1 && *stride != 2) {
    reader.add_error(key, "1 or 2", nlohmann::json(*stride));
    return 0;
  }
  return static_cast<int>(stride.value_or(0));
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

SearchSpace parse_search_space(const nlohmann::json& document, const std::string& origin) {
  config::FieldErrors errors;
  const config::ObjectReader root(document, "", errors);
  root.reject_unknown_keys({"format", "name", "resolution", "input_channels", "num_classes",
                            "width_multiplier", "first_conv", "stages", "feature_mix_channels",
                            "kernel_sizes", "expand_ratios", "depths"});
  const std::optional<std::string> format = root.string("format");
  if (format && *format != kSpaceFormat) {
    root.add_error("format", std::string("\"") + kSpaceFormat + "\"", nlohmann::json(*format));
  }

  SearchSpace space;
  space.name = root.string("name").value_or("");
  space.resolution = read_positive(root, "resolution", kMaxChannels);
  space.input_channels = read_positive(root, "input_channels", kMaxChannels);
  space.num_classes = read_positive(root, "num_classes", kMaxChannels);
  const std::optional<double> width_multiplier = root.number("width_multiplier");
  if (width_multiplier && !(*width_multiplier > 0.0)) {
    root.add_error("width_multiplier", "a number > 0", nlohmann::json(*width_multiplier));
  }
  space.width_multiplier = width_multiplier.value_or(0.0);

  if (const std::optional<config::ObjectReader> first = root.object("first_conv")) {
    first->reject_unknown_keys({"channels", "kernel_size", "stride"});
    space.first_conv_base_channels = read_positive(*first, "channels", kMaxChannels);
    const std::optional<int64_t> kernel_size = first->integer("kernel_size");
    if (kernel_size &&
        (*kernel_size % 2 == 0 || *kernel_size > runtime::kMaxKernelSize || *kernel_size < 1)) {
      first->add_error("kernel_size",
                       "an odd integer in [1, " + std::to_string(runtime::kMaxKernelSize) + "]",
                       nlohmann::json(*kernel_size));
    } else if (kernel_size) {
      space.first_conv_kernel_size = static_cast<int>(*kernel_size);
    }
    space.first_conv_stride = read_stride(*first, "stride");
  }

  if (const auto stages =
          root.array("stages", "a non-empty array of stage objects", config::kRequired, 1)) {
    for (size_t i = 0; i < stages->size(); ++i) {
      const config::ObjectReader stage = stages->object(i);
      if (!stage.valid()) continue;
      stage.reject_unknown_keys({"channels", "stride"});
      space.stages.push_back(
          {read_positive(stage, "channels", kMaxChannels), read_stride(stage, "stride")});
    }
  }
  if (root.has("feature_mix_channels")) {
    space.feature_mix_base_channels = read_positive(root, "feature_mix_channels", kMaxChannels);
  }
  space.kernel_sizes = read_ascending_list(root, "kernel_sizes", 1, runtime::kMaxKernelSize, true);
  space.expand_ratios =
      read_ascending_list(root, "expand_ratios", kMinExpandRatio, kMaxExpandRatio, false);
  space.depths = read_ascending_list(root, "depths", 1, kMaxDepth, false);
  errors.throw_if_any<SpecError>(origin);

  // Every stride-2 step must leave at least one pixel.
  int size = space.resolution;
  auto downsample = [&size](int stride) { size = (size + stride - 1) / stride; };
  downsample(space.first_conv_stride);
  for (const StageSpace& stage : space.stages) downsample(stage.stride);
  if (size < 1) {
    root.add_error("resolution", "a resolution that survives all strides", space.resolution);
  }
  errors.throw_if_any<SpecError>(origin);
  return space;
}

SearchSpace load_search_space(const std::string& path) {
  return config::rethrow_as<SpecError>(
      [&] { return parse_search_space(config::read_json_file(path), path); });
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
