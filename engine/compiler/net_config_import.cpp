#include "engine/compiler/net_config_import.h"

#include <filesystem>

#include "config/json_file.h"
#include "engine/compiler/arch_json.h"
#include "engine/compiler/network_spec_validation.h"
#include "engine/compiler/spec_fields.h"

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

std::string quoted(const char* name) { return std::string("\"") + name + "\""; }

void expect_name(const config::ObjectReader& object, const char* expected) {
  const std::optional<std::string> name = object.string("name");
  if (name && *name != expected) object.add_error("name", quoted(expected), nlohmann::json(*name));
}

// act_func: "relu6", "relu", or null / "none" / absent (linear).
Activation activation_of(const config::ObjectReader& object) {
  const std::optional<std::string> name = object.string("act_func", config::kOptional);
  if (!name || *name == "none") return Activation::kNone;
  if (*name == "relu6") return Activation::kRelu6;
  if (*name == "relu") return Activation::kRelu;
  object.add_error("act_func", "\"relu6\", \"relu\" or null", nlohmann::json(*name));
  return Activation::kNone;
}

void expect_integer_if_present(const config::ObjectReader& object, const char* key, int expected,
                               const char* why) {
  const std::optional<int64_t> value = object.integer(key, config::kOptional);
  if (value && *value != expected) {
    object.add_error(key, std::to_string(expected) + " (" + why + ")", nlohmann::json(*value));
  }
}

void expect_false_if_present(const config::ObjectReader& object, const char* key, const char* why) {
  const std::optional<bool> value = object.boolean(key, config::kOptional);
  if (value && *value) object.add_error(key, std::string("false (") + why + ")", true);
}

void reject_unsupported_conv_options(const config::ObjectReader& object) {
  expect_integer_if_present(object, "dilation", 1, "dilated convolutions are not supported");
  expect_integer_if_present(object, "groups", 1, "grouped convolutions are not supported");
  const std::optional<std::string> order = object.string("ops_order", config::kOptional);
  if (order && *order != kOpsOrder) {
    object.add_error("ops_order", quoted(kOpsOrder), nlohmann::json(*order));
  }
  expect_false_if_present(object, "use_se", "squeeze-and-excitation is not supported");
  expect_false_if_present(object, "has_shuffle", "channel shuffle is not supported");
}

// `key` must equal the output channels of the layer before (`producer`), when those are known.
void expect_channels(const config::ObjectReader& object, const char* key,
                     std::optional<int> expected, const std::string& producer) {
  const std::optional<int64_t> value = object.integer(key);
  if (value && expected && *value != *expected) {
    object.add_error(key, std::to_string(*expected) + " (the output channels of " + producer + ")",
                     nlohmann::json(*value));
  }
}

// Fields that are bad read as 0 (their errors are recorded).
ConvLayerSpec read_conv_layer(const config::ObjectReader& object) {
  expect_name(object, "ConvLayer");
  reject_unsupported_conv_options(object);
  ConvLayerSpec layer;
  layer.out_channels = read_channel_count(object, "out_channels").value_or(0);
  layer.kernel_size = read_conv_kernel(object, "kernel_size").value_or(0);
  layer.stride = read_stride(object, "stride", 1).value_or(0);
  layer.activation = activation_of(object);
  return layer;
}

// The block's middle (depthwise) channels; once-for-all: mid_channels null -> round(in_channels
// * expand_ratio), and expand ratio 1 means no inverted bottleneck, so the depthwise conv runs on
// the block input itself.
std::optional<int> read_mid_channels(const config::ObjectReader& conv,
                                     std::optional<int> in_channels) {
  std::optional<double> expand_ratio = conv.number("expand_ratio");
  if (expand_ratio && !(*expand_ratio > 0.0)) {
    conv.add_error("expand_ratio", "a positive number", nlohmann::json(*expand_ratio));
    return std::nullopt;
  }
  if (expand_ratio && *expand_ratio == 1.0) {
    const std::optional<int64_t> mid = conv.integer("mid_channels", config::kOptional);
    if (mid && in_channels && *mid != *in_channels) {
      conv.add_error(
          "mid_channels",
          std::to_string(*in_channels) + " (in_channels: expand_ratio 1 has no expansion)",
          nlohmann::json(*mid));
      return std::nullopt;
    }
    return in_channels;
  }
  if (conv.has("mid_channels")) return read_channel_count(conv, "mid_channels");
  if (!expand_ratio || !in_channels) return std::nullopt;
  const int mid = expanded_channels(*in_channels, *expand_ratio);
  if (mid < 1 || mid > kMaxChannels) {
    conv.add_error("expand_ratio", "a ratio giving a valid channel count",
                   nlohmann::json(*expand_ratio));
    return std::nullopt;
  }
  return mid;
}

// One once-for-all block (a BlockReader).
std::optional<BlockSpec> read_block(const config::ObjectReader& block_object,
                                    std::optional<int>& channels, const std::string& producer) {
  const std::optional<int> in_channels = channels;
  channels.reset();
  const std::optional<std::string> block_name = block_object.string("name");
  const BlockNaming* naming = nullptr;
  for (const BlockNaming& candidate : kBlockNamings) {
    if (block_name == candidate.block_name) naming = &candidate;
  }
  if (block_name && naming == nullptr) {
    block_object.add_error("name", "\"MobileInvertedResidualBlock\" or \"ResidualBlock\"",
                           nlohmann::json(*block_name));
  }
  if (naming == nullptr) return std::nullopt;
  const std::optional<config::ObjectReader> conv = block_object.object(naming->conv_key);
  if (!conv) return std::nullopt;

  const std::optional<std::string> conv_name = conv->string("name");
  if (conv_name && !is_one_of(*conv_name, kInvertedConvNames)) {
    conv->add_error("name", quoted_list(kInvertedConvNames), nlohmann::json(*conv_name));
  }
  reject_unsupported_conv_options(*conv);
  expect_channels(*conv, "in_channels", in_channels, producer);
  const std::optional<int> out_channels = read_channel_count(*conv, "out_channels");
  const std::optional<int> kernel_size = read_block_kernel(*conv, "kernel_size");
  const std::optional<int> stride = read_stride(*conv, "stride", 1);
  const std::optional<int> mid_channels = read_mid_channels(*conv, in_channels);
  const Activation activation = activation_of(*conv);
  channels = out_channels;

  const bool residual = block_object.has("shortcut");
  if (residual) {
    if (const std::optional<config::ObjectReader> shortcut = block_object.object("shortcut")) {
      expect_name(*shortcut, "IdentityLayer");
    }
  }
  std::optional<BlockSpec> block =
      assemble_block({in_channels, out_channels, kernel_size, stride, mid_channels}, activation);
  if (!block) return std::nullopt;
  if (residual && (*stride != 1 || *in_channels != *out_channels)) {
    block_object.add_error(
        "shortcut", "null (an identity shortcut needs stride 1 and in_channels == out_channels)",
        "an identity shortcut with stride " + std::to_string(*stride) + ", " +
            std::to_string(*in_channels) + " -> " + std::to_string(*out_channels));
    return std::nullopt;
  }
  block->residual = residual;
  return block;
}

int read_resolution_of(const config::ObjectReader& root, const NetConfigOptions& options) {
  if (!options.resolution && !root.has("resolution")) {
    root.add_error("resolution", "a resolution (the net config has none: pass one explicitly)",
                   "missing");
    return 0;
  }
  if (!options.resolution) return read_resolution(root, "resolution").value_or(0);
  if (*options.resolution < 1 || *options.resolution > kMaxResolution) {
    root.add_error("resolution", "[1, " + std::to_string(kMaxResolution) + "]",
                   nlohmann::json(*options.resolution));
    return 0;
  }
  return *options.resolution;
}

}  // namespace

NetworkSpec import_net_config(const nlohmann::json& document, const NetConfigOptions& options,
                              const std::string& origin) {
  config::FieldErrors errors;
  const config::ObjectReader root(document, "", errors);
  const std::optional<std::string> network_name = root.string("name");
  if (network_name && !is_one_of(*network_name, kNetworkNames)) {
    root.add_error("name", quoted_list(kNetworkNames), nlohmann::json(*network_name));
  }

  NetworkSpec spec;
  spec.name = options.name;
  spec.resolution = read_resolution_of(root, options);

  std::optional<int> channels;
  std::string producer = "first_conv";
  if (const std::optional<config::ObjectReader> first_conv = root.object("first_conv")) {
    spec.first_conv = read_conv_layer(*first_conv);
    spec.input_channels = read_channel_count(*first_conv, "in_channels", config::kOptional)
                              .value_or(kDefaultInputChannels);
    if (spec.first_conv.out_channels > 0) channels = spec.first_conv.out_channels;
  }

  spec.blocks = read_block_chain(root, channels, producer, read_block);

  if (const std::optional<config::ObjectReader> feature_mix =
          root.object("feature_mix_layer", config::kOptional)) {
    expect_channels(*feature_mix, "in_channels", channels, producer);
    const ConvLayerSpec layer = read_conv_layer(*feature_mix);
    if (layer.kernel_size > 1) feature_mix->add_error("kernel_size", "1", layer.kernel_size);
    if (layer.stride > 1) feature_mix->add_error("stride", "1", layer.stride);
    spec.feature_mix = layer;
    channels = layer.out_channels > 0 ? std::optional<int>(layer.out_channels) : std::nullopt;
    producer = "feature_mix_layer";
  }

  if (const std::optional<config::ObjectReader> classifier = root.object("classifier")) {
    expect_name(*classifier, "LinearLayer");
    expect_channels(*classifier, "in_features", channels, producer);
    spec.num_classes = read_channel_count(*classifier, "out_features").value_or(0);
    const std::optional<bool> use_bn = classifier->boolean("use_bn", config::kOptional);
    if (use_bn && *use_bn) classifier->add_error("use_bn", "false", true);
    if (activation_of(*classifier) != Activation::kNone) {
      classifier->add_error("act_func", "null (a linear classifier)", *classifier->get("act_func"));
    }
  }

  throw_if_invalid(errors, spec, origin);
  return spec;
}

NetworkSpec load_net_config(const std::string& path, NetConfigOptions options) {
  if (options.name.empty()) options.name = std::filesystem::path(path).stem().string();
  return config::rethrow_as<SpecError>(
      [&] { return import_net_config(config::read_json_file(path), options, path); });
}

}  // namespace tinynas::compiler
