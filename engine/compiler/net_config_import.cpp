#include "engine/compiler/net_config_import.h"

#include <filesystem>
#include <stdexcept>

#include "engine/compiler/arch_json.h"
#include "engine/compiler/network_spec_validation.h"

namespace tinynas::compiler {
namespace {

constexpr int kDefaultInputChannels = 3;  // ImageNet RGB

// once-for-all names: older releases (and MCUNet) write MobileInvertedResidualBlock with a
// "mobile_inverted_conv"; newer ones ResidualBlock with a "conv".
struct BlockNaming {
  const char* block_name;
  const char* conv_key;
};
constexpr BlockNaming kBlockNamings[] = {
    {"MobileInvertedResidualBlock", "mobile_inverted_conv"},
    {"ResidualBlock", "conv"},
};
constexpr const char* kInvertedConvNames[] = {"MBInvertedConvLayer", "MBConvLayer"};
constexpr const char* kNetworkNames[] = {"ProxylessNASNets", "MobileNetV2"};
constexpr const char* kOpsOrder = "weight_bn_act";

template <size_t N>
bool is_one_of(const std::string& value, const char* const (&names)[N]) {
  for (const char* name : names) {
    if (value == name) return true;
  }
  return false;
}

template <size_t N>
std::string quoted_list(const char* const (&names)[N]) {
  std::string list;
  for (size_t i = 0; i < N; ++i) {
    if (i > 0) list += i + 1 == N ? " or " : ", ";
    list += std::string("\"") + names[i] + "\"";
  }
  return list;
}

void expect_name(const JsonObjectReader& object, const char* expected) {
  const std::string name = object.string("name");
  if (name != expected) object.fail("name", std::string("\"") + expected + "\"", name);
}

// act_func: "relu6", "relu", or null / "none" / absent (linear).
Activation activation_of(const JsonObjectReader& object) {
  const std::optional<std::string> name = object.optional_string("act_func");
  if (!name || *name == "none") return Activation::kNone;
  if (*name == "relu6") return Activation::kRelu6;
  if (*name == "relu") return Activation::kRelu;
  object.fail("act_func", "\"relu6\", \"relu\" or null", *name);
}

void expect_integer_if_present(const JsonObjectReader& object, const char* key, int expected,
                               const char* why) {
  const std::optional<int> value = object.optional_integer(key);
  if (value && *value != expected) {
    object.fail(key, std::to_string(expected) + " (" + why + ")", *value);
  }
}

void reject_unsupported_conv_options(const JsonObjectReader& object) {
  expect_integer_if_present(object, "dilation", 1, "dilated convolutions are not supported");
  expect_integer_if_present(object, "groups", 1, "grouped convolutions are not supported");
  const std::optional<std::string> order = object.optional_string("ops_order");
  if (order && *order != kOpsOrder) {
    object.fail("ops_order", std::string("\"") + kOpsOrder + "\"", *order);
  }
  const std::optional<bool> use_se = object.optional_boolean("use_se");
  if (use_se && *use_se) {
    object.fail("use_se", "false (squeeze-and-excitation is not supported)", true);
  }
  const std::optional<bool> has_shuffle = object.optional_boolean("has_shuffle");
  if (has_shuffle && *has_shuffle) {
    object.fail("has_shuffle", "false (channel shuffle is not supported)", true);
  }
}

int positive_channels(const JsonObjectReader& object, const char* key) {
  const int value = object.integer(key);
  if (value < 1 || value > kMaxChannels) {
    object.fail(key, "a channel count in [1, " + std::to_string(kMaxChannels) + "]", value);
  }
  return value;
}

void expect_channels(const JsonObjectReader& object, const char* key, int expected,
                     const std::string& producer) {
  const int value = object.integer(key);
  if (value != expected) {
    object.fail(key, std::to_string(expected) + " (the output channels of " + producer + ")",
                value);
  }
}

ConvLayerSpec parse_conv_layer(const JsonObjectReader& object) {
  expect_name(object, "ConvLayer");
  reject_unsupported_conv_options(object);
  ConvLayerSpec layer;
  layer.out_channels = positive_channels(object, "out_channels");
  layer.kernel_size = object.integer("kernel_size");
  if (!is_supported_conv_kernel(layer.kernel_size)) {
    object.fail("kernel_size",
                "an odd size in [1, " + std::to_string(runtime::kMaxKernelSize) + "]",
                layer.kernel_size);
  }
  layer.stride = object.optional_integer("stride").value_or(1);
  if (layer.stride < 1 || layer.stride > kMaxLayerStride) {
    object.fail("stride", "1 or 2", layer.stride);
  }
  layer.activation = activation_of(object);
  return layer;
}

BlockSpec parse_block(const nlohmann::json& json, const std::string& path, int in_channels,
                      const std::string& producer) {
  const JsonObjectReader block_object(json, path);
  const std::string block_name = block_object.string("name");
  const BlockNaming* naming = nullptr;
  for (const BlockNaming& candidate : kBlockNamings) {
    if (block_name == candidate.block_name) naming = &candidate;
  }
  if (naming == nullptr) {
    throw SpecError(path + ": unknown block name \"" + block_name + "\" (expected " +
                    "\"MobileInvertedResidualBlock\" or \"ResidualBlock\")");
  }

  const JsonObjectReader conv(block_object.at(naming->conv_key),
                              json_key_path(path, naming->conv_key));
  const std::string conv_name = conv.string("name");
  if (!is_one_of(conv_name, kInvertedConvNames)) {
    conv.fail("name", quoted_list(kInvertedConvNames), conv_name);
  }
  reject_unsupported_conv_options(conv);

  BlockSpec block;
  expect_channels(conv, "in_channels", in_channels, producer);
  block.in_channels = in_channels;
  block.out_channels = positive_channels(conv, "out_channels");
  block.kernel_size = conv.integer("kernel_size");
  if (!is_supported_block_kernel(block.kernel_size)) {
    conv.fail("kernel_size", "3, 5 or 7", block.kernel_size);
  }
  block.stride = conv.optional_integer("stride").value_or(1);
  if (block.stride < 1 || block.stride > kMaxLayerStride) {
    conv.fail("stride", "1 or 2", block.stride);
  }
  const double expand_ratio = conv.number("expand_ratio");
  if (!(expand_ratio > 0.0)) conv.fail("expand_ratio", "a positive number", expand_ratio);
  // once-for-all: mid_channels null -> round(in_channels * expand_ratio); expand ratio 1 means
  // no inverted bottleneck, so the depthwise conv runs on the block input itself.
  if (expand_ratio == 1.0) {
    block.mid_channels = in_channels;
    const std::optional<int> mid = conv.optional_integer("mid_channels");
    if (mid && *mid != in_channels) {
      conv.fail("mid_channels",
                std::to_string(in_channels) + " (in_channels: expand_ratio 1 has no expansion)",
                *mid);
    }
  } else if (conv.has_non_null("mid_channels")) {
    block.mid_channels = positive_channels(conv, "mid_channels");
  } else {
    block.mid_channels = expanded_channels(in_channels, expand_ratio);
    if (block.mid_channels < 1 || block.mid_channels > kMaxChannels) {
      conv.fail("expand_ratio", "a ratio giving a valid channel count", expand_ratio);
    }
  }
  block.activation = activation_of(conv);

  block.residual = block_object.has_non_null("shortcut");
  if (block.residual) {
    const JsonObjectReader shortcut(block_object.at("shortcut"), json_key_path(path, "shortcut"));
    expect_name(shortcut, "IdentityLayer");
    if (block.stride != 1 || block.in_channels != block.out_channels) {
      throw SpecError(json_key_path(path, "shortcut") +
                      ": an identity shortcut needs stride 1 and in_channels == out_channels, " +
                      "found stride " + std::to_string(block.stride) + ", " +
                      std::to_string(block.in_channels) + " -> " +
                      std::to_string(block.out_channels));
    }
  }
  return block;
}

int resolve_resolution(const JsonObjectReader& root, const NetConfigOptions& options) {
  if (options.resolution) return *options.resolution;
  if (!root.has_non_null("resolution")) {
    root.fail_message("resolution",
                      "missing: the net config has no \"resolution\"; pass one explicitly");
  }
  return root.integer("resolution");
}

}  // namespace

NetworkSpec import_net_config(const nlohmann::json& config, const NetConfigOptions& options) {
  const JsonObjectReader root(config, "");
  const std::string network_name = root.string("name");
  if (!is_one_of(network_name, kNetworkNames)) {
    root.fail("name", quoted_list(kNetworkNames), network_name);
  }

  NetworkSpec spec;
  spec.name = options.name;
  spec.resolution = resolve_resolution(root, options);
  if (spec.resolution < 1 || spec.resolution > kMaxResolution) {
    throw SpecError("resolution: expected [1, " + std::to_string(kMaxResolution) + "], found " +
                    std::to_string(spec.resolution));
  }

  const JsonObjectReader first_conv(root.at("first_conv"), "first_conv");
  spec.first_conv = parse_conv_layer(first_conv);
  spec.input_channels = first_conv.has_non_null("in_channels")
                            ? positive_channels(first_conv, "in_channels")
                            : kDefaultInputChannels;

  const nlohmann::json& blocks = root.at("blocks");
  if (!blocks.is_array()) root.fail("blocks", "an array of blocks", blocks);
  int channels = spec.first_conv.out_channels;
  std::string producer = "first_conv";
  for (size_t i = 0; i < blocks.size(); ++i) {
    const std::string path = json_index_path("blocks", i);
    spec.blocks.push_back(parse_block(blocks[i], path, channels, producer));
    channels = spec.blocks.back().out_channels;
    producer = path;
  }

  if (root.has_non_null("feature_mix_layer")) {
    const JsonObjectReader feature_mix(root.at("feature_mix_layer"), "feature_mix_layer");
    expect_channels(feature_mix, "in_channels", channels, producer);
    ConvLayerSpec layer = parse_conv_layer(feature_mix);
    if (layer.kernel_size != 1) feature_mix.fail("kernel_size", "1", layer.kernel_size);
    if (layer.stride != 1) feature_mix.fail("stride", "1", layer.stride);
    spec.feature_mix = layer;
    channels = layer.out_channels;
    producer = "feature_mix_layer";
  }

  const JsonObjectReader classifier(root.at("classifier"), "classifier");
  expect_name(classifier, "LinearLayer");
  expect_channels(classifier, "in_features", channels, producer);
  spec.num_classes = positive_channels(classifier, "out_features");
  const std::optional<bool> use_bn = classifier.optional_boolean("use_bn");
  if (use_bn && *use_bn) classifier.fail("use_bn", "false", true);
  if (activation_of(classifier) != Activation::kNone) {
    classifier.fail("act_func", "null (a linear classifier)", classifier.at("act_func"));
  }

  try {
    validate_network_spec(spec);
  } catch (const std::invalid_argument& error) {
    throw SpecError(error.what());
  }
  return spec;
}

NetworkSpec load_net_config(const std::string& path, NetConfigOptions options) {
  const nlohmann::json config = read_json_file(path);
  if (options.name.empty()) options.name = std::filesystem::path(path).stem().string();
  try {
    return import_net_config(config, options);
  } catch (const SpecError& error) {
    throw SpecError(path + ": " + error.what());
  }
}

}  // namespace tinynas::compiler
