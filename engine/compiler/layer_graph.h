// One convolution, depthwise convolution or fully connected layer as a graph of its own: how kernel
// tests and kernel benchmarks (bench/firmware_macs_per_cycle,
// tests/firmware/qemu_dsp_kernels_test.cpp) build the single-layer models they run on a board.
// Weights, bias and quantization are left to fill_random_weights (graph_builder.h).
#pragma once

#include "engine/compiler/graph.h"

namespace tinynas::compiler {

struct LayerSpec {
  OpKind kind = OpKind::kConv2d;  // kConv2d, kDepthwiseConv2d or kFullyConnected (no window)
  int h = 1, w = 1, in_c = 1;     // input, NHWC
  int out_c = 1;                  // depthwise: in_c times the depth multiplier
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;  // the output size follows
  Activation activation = Activation::kNone;
};

// TFLite's SAME padding on one axis: output ceil(input / stride), the odd padding cell after.
struct SamePadding {
  int before = 0, after = 0;
};
SamePadding tflite_same_padding(int input, int kernel, int stride);

// Tensors "input", "op.weight" (O x KH x KW x I, depthwise 1 x KH x KW x C, fully connected
// O x 1 x 1 x (H * W * I)) and "op" (the output; fully connected 1 x 1 x 1 x O), one op "op".
// Throws std::invalid_argument when the window leaves no output.
Graph layer_graph(const LayerSpec& spec);

}  // namespace tinynas::compiler
