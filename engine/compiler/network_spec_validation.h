// Consistency rules of a NetworkSpec, whoever produced it (our arch file, an MCUNet net config,
// the search): channel counts chain from layer to layer, kernels and strides are ones the
// builder and the runtime support, residual blocks keep their shape.
#pragma once

#include "engine/compiler/network_spec.h"

namespace tinynas::compiler {

inline constexpr int kMaxChannels = runtime::kMaxTensorDim;
inline constexpr int kMaxResolution = runtime::kMaxTensorDim;
inline constexpr int kMinBlockKernel = 3;  // inverted-residual depthwise kernels: 3, 5 or 7
inline constexpr int kMaxBlockKernel = 7;
inline constexpr int kMaxLayerStride = 2;  // strides 1 or 2

bool is_supported_block_kernel(int kernel_size);
bool is_supported_conv_kernel(int kernel_size);  // odd, [1, runtime::kMaxKernelSize]

// Throws std::invalid_argument naming the field by its arch-file path, e.g.
// "blocks[3].in_channels: expected 24 (out_channels of blocks[2]), found 16".
void validate_network_spec(const NetworkSpec& spec);

}  // namespace tinynas::compiler
