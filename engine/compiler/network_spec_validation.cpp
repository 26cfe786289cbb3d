#include "engine/compiler/network_spec_validation.h"

#include <stdexcept>
#include <string>

namespace tinynas::compiler {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& expected, int found) {
  throw std::invalid_argument(path + ": expected " + expected + ", found " + std::to_string(found));
}

void check_range(const std::string& path, int value, int lo, int hi) {
  if (value < lo || value > hi) {
    fail(path, "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]", value);
  }
}

void check_stride(const std::string& path, int stride) {
  if (stride < 1 || stride > kMaxLayerStride) fail(path, "1 or 2", stride);
}

void check_conv_layer(const std::string& path, const ConvLayerSpec& layer) {
  check_range(path + ".out_channels", layer.out_channels, 1, kMaxChannels);
  if (!is_supported_conv_kernel(layer.kernel_size)) {
    fail(path + ".kernel_size",
         "an odd size in [1, " + std::to_string(runtime::kMaxKernelSize) + "]", layer.kernel_size);
  }
  check_stride(path + ".stride", layer.stride);
}

}  // namespace

bool is_supported_block_kernel(int kernel_size) {
  return kernel_size >= kMinBlockKernel && kernel_size <= kMaxBlockKernel && kernel_size % 2 == 1;
}

bool is_supported_conv_kernel(int kernel_size) {
  return kernel_size >= 1 && kernel_size <= runtime::kMaxKernelSize && kernel_size % 2 == 1;
}

void validate_network_spec(const NetworkSpec& spec) {
  check_range("resolution", spec.resolution, 1, kMaxResolution);
  check_range("input_channels", spec.input_channels, 1, kMaxChannels);
  check_range("num_classes", spec.num_classes, 1, kMaxChannels);
  check_conv_layer("first_conv", spec.first_conv);

  int channels = spec.first_conv.out_channels;
  std::string producer = "first_conv";
  for (size_t i = 0; i < spec.blocks.size(); ++i) {
    const BlockSpec& block = spec.blocks[i];
    const std::string path = "blocks[" + std::to_string(i) + "]";
    if (block.in_channels != channels) {
      fail(path + ".in_channels", std::to_string(channels) + " (out_channels of " + producer + ")",
           block.in_channels);
    }
    check_range(path + ".out_channels", block.out_channels, 1, kMaxChannels);
    check_range(path + ".mid_channels", block.mid_channels, 1, kMaxChannels);
    if (!is_supported_block_kernel(block.kernel_size)) {
      fail(path + ".kernel_size", "3, 5 or 7", block.kernel_size);
    }
    check_stride(path + ".stride", block.stride);
    if (block.residual && (block.stride != 1 || block.in_channels != block.out_channels)) {
      throw std::invalid_argument(
          path + ".residual: an identity shortcut needs stride 1 and in_channels == " +
          "out_channels, found stride " + std::to_string(block.stride) + ", " +
          std::to_string(block.in_channels) + " -> " + std::to_string(block.out_channels));
    }
    channels = block.out_channels;
    producer = path;
  }
  if (spec.feature_mix) {
    check_range("feature_mix.out_channels", spec.feature_mix->out_channels, 1, kMaxChannels);
    if (spec.feature_mix->kernel_size != 1) {
      fail("feature_mix.kernel_size", "1", spec.feature_mix->kernel_size);
    }
    if (spec.feature_mix->stride != 1) fail("feature_mix.stride", "1", spec.feature_mix->stride);
  }
}

}  // namespace tinynas::compiler
