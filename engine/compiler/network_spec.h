// A concrete MobileNetV2-style network: first conv, inverted-residual blocks, optional
// feature-mix conv, classifier. Both our architecture JSON and MCUNet / once-for-all net configs
// parse into it, and the search produces it; build_graph() lowers it to the graph IR.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/compiler/graph.h"

namespace tinynas::compiler {

struct ConvLayerSpec {
  int out_channels = 0;  // > 0
  int kernel_size = 3;   // odd, [1, runtime::kMaxKernelSize]
  int stride = 1;        // 1 or 2
  Activation activation = Activation::kRelu6;
};

// Inverted residual (MBConv): [1x1 expand] -> k x k depthwise -> 1x1 project (linear),
// plus an identity shortcut when `residual` (requires stride 1 and in == out).
struct BlockSpec {
  int in_channels = 0;
  int out_channels = 0;
  int kernel_size = 3;   // 3, 5 or 7
  int stride = 1;        // 1 or 2
  int mid_channels = 0;  // expanded width; == in_channels means no expansion conv
  bool residual = false;
  Activation activation = Activation::kRelu6;
};

struct NetworkSpec {
  std::string name;
  int resolution = 0;  // input H == W
  int input_channels = 3;
  ConvLayerSpec first_conv;
  std::vector<BlockSpec> blocks;
  std::optional<ConvLayerSpec> feature_mix;  // 1x1 conv before pooling, if any
  int num_classes = 0;
};

}  // namespace tinynas::compiler
