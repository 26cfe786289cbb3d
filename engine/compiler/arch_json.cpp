#include "engine/compiler/arch_json.h"

#include <cmath>
#include <fstream>

#include "config/json_file.h"
#include "engine/compiler/network_spec_validation.h"
#include "engine/compiler/spec_fields.h"

namespace tinynas::compiler {
namespace {

constexpr int kDefaultInputChannels = 3;
constexpr int kDefaultBlockStride = 1;
constexpr int kJsonIndent = 2;

Activation read_activation(const config::ObjectReader& object, const std::string& key,
                           Activation fallback) {
  const std::optional<std::string> name = object.string(key, config::kOptional);
  if (!name) return fallback;
  if (*name == "relu6") return Activation::kRelu6;
  if (*name == "relu") return Activation::kRelu;
  if (*name == "none") return Activation::kNone;
  object.add_error(key, "\"relu6\", \"relu\" or \"none\"", nlohmann::json(*name));
  return fallback;
}

ConvLayerSpec read_first_conv(const config::ObjectReader& object, Activation default_activation) {
  object.reject_unknown_keys({"out_channels", "kernel_size", "stride", "activation"});
  ConvLayerSpec layer;
  layer.out_channels = read_channel_count(object, "out_channels").value_or(0);
  layer.kernel_size = read_conv_kernel(object, "kernel_size").value_or(0);
  layer.stride = read_stride(object, "stride", std::nullopt).value_or(0);
  layer.activation = read_activation(object, "activation", default_activation);
  return layer;
}

// mid_channels when given, else round(in_channels * expand_ratio); nullopt when bad (the error
// is recorded) or when the input channels are unknown.
std::optional<int> read_mid_channels(const config::ObjectReader& object,
                                     std::optional<int> in_channels) {
  const std::optional<double> expand_ratio = object.number("expand_ratio", config::kOptional);
  const bool ratio_ok = expand_ratio && *expand_ratio > 0.0;
  if (expand_ratio && !ratio_ok) {
    object.add_error("expand_ratio", "a positive number", nlohmann::json(*expand_ratio));
  }
  if (object.has("mid_channels")) return read_channel_count(object, "mid_channels");
  if (!object.has("expand_ratio")) {
    object.add_error("expand_ratio", "a positive number (or mid_channels)", "missing");
  }
  if (!ratio_ok || !in_channels) return std::nullopt;
  const int mid_channels = expanded_channels(*in_channels, *expand_ratio);
  if (mid_channels < 1 || mid_channels > kMaxChannels) {
    object.add_error("expand_ratio",
                     "a ratio giving [1, " + std::to_string(kMaxChannels) + "] channels from " +
                         std::to_string(*in_channels),
                     nlohmann::json(*expand_ratio));
    return std::nullopt;
  }
  return mid_channels;
}

// One tinynas-arch block (a BlockReader with `default_activation`).
std::optional<BlockSpec> read_block(const config::ObjectReader& object,
                                    std::optional<int>& channels, Activation default_activation) {
  object.reject_unknown_keys({"out_channels", "kernel_size", "stride", "expand_ratio",
                              "mid_channels", "residual", "activation"});
  const std::optional<int> in_channels = channels;
  const std::optional<int> out_channels = read_channel_count(object, "out_channels");
  channels = out_channels;
  const std::optional<int> kernel_size = read_block_kernel(object, "kernel_size");
  const std::optional<int> stride = read_stride(object, "stride", kDefaultBlockStride);

  const std::optional<int> mid_channels = read_mid_channels(object, in_channels);
  const std::optional<bool> residual = object.boolean("residual", config::kOptional);
  const Activation activation = read_activation(object, "activation", default_activation);
  std::optional<BlockSpec> block =
      assemble_block({in_channels, out_channels, kernel_size, stride, mid_channels}, activation);
  if (!block) return std::nullopt;
  const bool shortcut_possible = *stride == 1 && *in_channels == *out_channels;
  block->residual = residual.value_or(shortcut_possible);
  if (block->residual && !shortcut_possible) {
    object.add_error(
        "residual", "false (an identity shortcut needs stride 1 and in_channels == out_channels)",
        "true (stride " + std::to_string(*stride) + ", " + std::to_string(*in_channels) + " -> " +
            std::to_string(*out_channels) + ")");
  }
  return block;
}

ConvLayerSpec read_feature_mix(const config::ObjectReader& object, Activation default_activation) {
  object.reject_unknown_keys({"out_channels", "activation"});
  ConvLayerSpec layer;
  layer.out_channels = read_channel_count(object, "out_channels").value_or(0);
  layer.kernel_size = 1;
  layer.stride = 1;
  layer.activation = read_activation(object, "activation", default_activation);
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

NetworkSpec parse_arch_json(const nlohmann::json& document, const std::string& origin) {
  config::FieldErrors errors;
  const config::ObjectReader root(document, "", errors);
  root.reject_unknown_keys({"format", "name", "resolution", "input_channels", "num_classes",
                            "activation", "first_conv", "blocks", "feature_mix"});
  const std::optional<std::string> format = root.string("format");
  if (format && *format != kArchFormat) {
    root.add_error("format", std::string("\"") + kArchFormat + "\"", nlohmann::json(*format));
  }

  NetworkSpec spec;
  spec.name = root.string("name", config::kOptional).value_or("");
  spec.resolution = read_resolution(root, "resolution").value_or(0);
  spec.input_channels =
      read_channel_count(root, "input_channels", config::kOptional).value_or(kDefaultInputChannels);
  spec.num_classes = read_channel_count(root, "num_classes").value_or(0);
  const Activation activation = read_activation(root, "activation", Activation::kRelu6);

  std::optional<int> channels;
  if (const std::optional<config::ObjectReader> first_conv = root.object("first_conv")) {
    spec.first_conv = read_first_conv(*first_conv, activation);
    if (spec.first_conv.out_channels > 0) channels = spec.first_conv.out_channels;
  }
  std::string producer = "first_conv";
  spec.blocks = read_block_chain(
      root, channels, producer,
      [activation](const config::ObjectReader& block, std::optional<int>& block_channels,
                   const std::string&) { return read_block(block, block_channels, activation); });
  if (const std::optional<config::ObjectReader> feature_mix =
          root.object("feature_mix", config::kOptional)) {
    spec.feature_mix = read_feature_mix(*feature_mix, activation);
  }
  throw_if_invalid(errors, spec, origin);
  return spec;
}

NetworkSpec load_arch_file(const std::string& path) {
  return config::rethrow_as<SpecError>(
      [&] { return parse_arch_json(config::read_json_file(path), path); });
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
