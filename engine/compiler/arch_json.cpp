#include "engine/compiler/arch_json.h"

#include <cmath>
#include <fstream>
#include <stdexcept>

#include "engine/compiler/network_spec_validation.h"

namespace tinynas::compiler {
namespace {

constexpr int kDefaultInputChannels = 3;
constexpr int kDefaultBlockStride = 1;
constexpr int kJsonIndent = 2;

Activation parse_activation(const JsonObjectReader& object, const std::string& key,
                            Activation fallback) {
  const std::optional<std::string> name = object.optional_string(key);
  if (!name) return fallback;
  if (*name == "relu6") return Activation::kRelu6;
  if (*name == "relu") return Activation::kRelu;
  if (*name == "none") return Activation::kNone;
  object.fail(key, "\"relu6\", \"relu\" or \"none\"", *name);
}

int channel_count(const JsonObjectReader& object, const std::string& key) {
  const int value = object.integer(key);
  if (value < 1 || value > kMaxChannels) {
    object.fail(key, "a channel count in [1, " + std::to_string(kMaxChannels) + "]", value);
  }
  return value;
}

// `fallback` is used when the key is absent; without one the key is required.
int stride_value(const JsonObjectReader& object, const std::string& key,
                 std::optional<int> fallback) {
  const int value = fallback && !object.has_non_null(key) ? *fallback : object.integer(key);
  if (value < 1 || value > kMaxLayerStride) object.fail(key, "1 or 2", value);
  return value;
}

ConvLayerSpec parse_first_conv(const nlohmann::json& json, Activation default_activation) {
  const JsonObjectReader object(json, "first_conv");
  object.reject_unknown_keys({"out_channels", "kernel_size", "stride", "activation"});
  ConvLayerSpec layer;
  layer.out_channels = channel_count(object, "out_channels");
  layer.kernel_size = object.integer("kernel_size");
  if (!is_supported_conv_kernel(layer.kernel_size)) {
    object.fail("kernel_size",
                "an odd size in [1, " + std::to_string(runtime::kMaxKernelSize) + "]",
                layer.kernel_size);
  }
  layer.stride = stride_value(object, "stride", std::nullopt);
  layer.activation = parse_activation(object, "activation", default_activation);
  return layer;
}

BlockSpec parse_block(const nlohmann::json& json, const std::string& path, int in_channels,
                      Activation default_activation) {
  const JsonObjectReader object(json, path);
  object.reject_unknown_keys({"out_channels", "kernel_size", "stride", "expand_ratio",
                              "mid_channels", "residual", "activation"});
  BlockSpec block;
  block.in_channels = in_channels;
  block.out_channels = channel_count(object, "out_channels");
  block.kernel_size = object.integer("kernel_size");
  if (!is_supported_block_kernel(block.kernel_size)) {
    object.fail("kernel_size", "3, 5 or 7", block.kernel_size);
  }
  block.stride = stride_value(object, "stride", kDefaultBlockStride);

  const std::optional<double> expand_ratio = object.optional_number("expand_ratio");
  if (expand_ratio && !(*expand_ratio > 0.0)) {
    object.fail("expand_ratio", "a positive number", *expand_ratio);
  }
  if (object.has_non_null("mid_channels")) {
    block.mid_channels = channel_count(object, "mid_channels");
  } else if (expand_ratio) {
    block.mid_channels = expanded_channels(in_channels, *expand_ratio);
    if (block.mid_channels < 1 || block.mid_channels > kMaxChannels) {
      object.fail("expand_ratio",
                  "a ratio giving [1, " + std::to_string(kMaxChannels) + "] channels from " +
                      std::to_string(in_channels),
                  *expand_ratio);
    }
  } else {
    object.fail_message("expand_ratio", "missing: give expand_ratio or mid_channels");
  }

  const bool shortcut_possible = block.stride == 1 && block.in_channels == block.out_channels;
  block.residual = object.optional_boolean("residual").value_or(shortcut_possible);
  if (block.residual && !shortcut_possible) {
    object.fail_message(
        "residual", "true needs stride 1 and in_channels == out_channels, found stride " +
                        std::to_string(block.stride) + ", " + std::to_string(in_channels) + " -> " +
                        std::to_string(block.out_channels));
  }
  block.activation = parse_activation(object, "activation", default_activation);
  return block;
}

ConvLayerSpec parse_feature_mix(const nlohmann::json& json, Activation default_activation) {
  const JsonObjectReader object(json, "feature_mix");
  object.reject_unknown_keys({"out_channels", "activation"});
  ConvLayerSpec layer;
  layer.out_channels = channel_count(object, "out_channels");
  layer.kernel_size = 1;
  layer.stride = 1;
  layer.activation = parse_activation(object, "activation", default_activation);
  return layer;
}

void write_activation_if_differs(nlohmann::ordered_json& json, Activation activation,
                                 Activation network_activation) {
  if (activation != network_activation) json["activation"] = activation_name(activation);
}

}  // namespace

const char* activation_name(Activation activation) {
  switch (activation) {
    case Activation::kRelu6:
      return "relu6";
    case Activation::kRelu:
      return "relu";
    case Activation::kNone:
      return "none";
  }
  return "none";
}

int expanded_channels(int channels, double expand_ratio) {
  // std::nearbyint rounds half to even under the default rounding mode, like Python's round().
  return static_cast<int>(std::nearbyint(channels * expand_ratio));
}

NetworkSpec parse_arch_json(const nlohmann::json& document) {
  const JsonObjectReader root(document, "");
  root.reject_unknown_keys({"format", "name", "resolution", "input_channels", "num_classes",
                            "activation", "first_conv", "blocks", "feature_mix"});
  const std::string format = root.string("format");
  if (format != kArchFormat) root.fail("format", std::string("\"") + kArchFormat + "\"", format);

  NetworkSpec spec;
  spec.name = root.optional_string("name").value_or("");
  spec.resolution = root.integer("resolution");
  if (spec.resolution < 1 || spec.resolution > kMaxResolution) {
    root.fail("resolution", "[1, " + std::to_string(kMaxResolution) + "]", spec.resolution);
  }
  spec.input_channels = root.has_non_null("input_channels") ? channel_count(root, "input_channels")
                                                            : kDefaultInputChannels;
  spec.num_classes = channel_count(root, "num_classes");
  const Activation activation = parse_activation(root, "activation", Activation::kRelu6);

  spec.first_conv = parse_first_conv(root.at("first_conv"), activation);
  const nlohmann::json& blocks = root.at("blocks");
  if (!blocks.is_array()) root.fail("blocks", "an array of blocks", blocks);
  int channels = spec.first_conv.out_channels;
  for (size_t i = 0; i < blocks.size(); ++i) {
    spec.blocks.push_back(
        parse_block(blocks[i], json_index_path("blocks", i), channels, activation));
    channels = spec.blocks.back().out_channels;
  }
  if (root.has_non_null("feature_mix")) {
    spec.feature_mix = parse_feature_mix(root.at("feature_mix"), activation);
  }
  try {
    validate_network_spec(spec);
  } catch (const std::invalid_argument& error) {
    throw SpecError(error.what());
  }
  return spec;
}

NetworkSpec load_arch_file(const std::string& path) {
  const nlohmann::json document = read_json_file(path);
  try {
    return parse_arch_json(document);
  } catch (const SpecError& error) {
    throw SpecError(path + ": " + error.what());
  }
}

nlohmann::ordered_json arch_to_json(const NetworkSpec& spec) {
  const Activation activation = spec.first_conv.activation;
  nlohmann::ordered_json json;
  json["format"] = kArchFormat;
  json["name"] = spec.name;
  json["resolution"] = spec.resolution;
  json["input_channels"] = spec.input_channels;
  json["num_classes"] = spec.num_classes;
  json["activation"] = activation_name(activation);

  nlohmann::ordered_json first_conv;
  first_conv["out_channels"] = spec.first_conv.out_channels;
  first_conv["kernel_size"] = spec.first_conv.kernel_size;
  first_conv["stride"] = spec.first_conv.stride;
  json["first_conv"] = first_conv;

  nlohmann::ordered_json blocks = nlohmann::ordered_json::array();
  for (const BlockSpec& block : spec.blocks) {
    nlohmann::ordered_json entry;
    entry["out_channels"] = block.out_channels;
    entry["kernel_size"] = block.kernel_size;
    entry["stride"] = block.stride;
    // An integral ratio reads best; any other width is written exactly.
    if (block.in_channels > 0 && block.mid_channels % block.in_channels == 0) {
      entry["expand_ratio"] = block.mid_channels / block.in_channels;
    } else {
      entry["mid_channels"] = block.mid_channels;
    }
    const bool default_residual = block.stride == 1 && block.in_channels == block.out_channels;
    if (block.residual != default_residual) entry["residual"] = block.residual;
    write_activation_if_differs(entry, block.activation, activation);
    blocks.push_back(entry);
  }
  json["blocks"] = blocks;

  if (spec.feature_mix) {
    nlohmann::ordered_json feature_mix;
    feature_mix["out_channels"] = spec.feature_mix->out_channels;
    write_activation_if_differs(feature_mix, spec.feature_mix->activation, activation);
    json["feature_mix"] = feature_mix;
  } else {
    json["feature_mix"] = nullptr;
  }
  return json;
}

void save_arch_file(const NetworkSpec& spec, const std::string& path) {
  std::ofstream file(path);
  if (!file) throw SpecError(path + ": cannot open file for writing");
  file << arch_to_json(spec).dump(kJsonIndent) << "\n";
  if (!file) throw SpecError(path + ": write error");
}

}  // namespace tinynas::compiler
