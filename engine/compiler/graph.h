// The compiler's graph IR: quantized tensors and ops in execution order. Builders (from an
// architecture, from MCUNet net configs, from a trained supernet) produce it; the memory planner
// lays out its activations; the model writer turns graph + plan into a .tnm file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/runtime/kernels.h"
#include "engine/runtime/model_format.h"

namespace tinynas::compiler {

using runtime::OpKind;

struct TensorShape {
  int n = 1, h = 1, w = 1, c = 1;  // activations NHWC; weights OHWI / 1,KH,KW,C / O,1,1,I
  int64_t elements() const { return int64_t{n} * h * w * c; }
  bool operator==(const TensorShape& o) const {
    return n == o.n && h == o.h && w == o.w && c == o.c;
  }
};

// The same shape in the runtime's terms, and back.
inline runtime::Shape as_runtime_shape(const TensorShape& shape) {
  runtime::Shape s;
  s.n = shape.n;
  s.h = shape.h;
  s.w = shape.w;
  s.c = shape.c;
  return s;
}
inline TensorShape from_runtime_shape(const runtime::Shape& shape) {
  return {shape.n, shape.h, shape.w, shape.c};
}

enum class Activation { kNone, kRelu, kRelu6 };

struct Tensor {
  std::string name;
  TensorShape shape;
  bool is_constant = false;  // constants are int8 weights in the constant pool
  // Activations: per-tensor asymmetric int8 (real = scale * (q - zero_point)).
  float scale = 1.0f;
  int32_t zero_point = 0;
  // Constants (weights): per-output-channel symmetric scales and the int8 values.
  std::vector<float> channel_scales;
  std::vector<int8_t> data;
  int64_t bytes() const { return elements_bytes(); }
  int64_t elements_bytes() const { return shape.elements(); }  // int8: one byte per element
};

// One op. Which fields a kind uses (the rest keep their defaults):
//   kConv2d           inputs {x}, weights O x KH x KW x I, bias, window, activation
//   kDepthwiseConv2d  inputs {x}, weights 1 x KH x KW x (I * multiplier), bias, window, activation
//   kFullyConnected   inputs {x} (flattened), weights O x 1 x 1 x K, bias, activation
//   kAdd              inputs {a, b} (equal shapes, no broadcasting), activation
//   kAveragePool2d, kMaxPool2d  inputs {x}, window, activation (output quantized as the input)
//   kGlobalAveragePool inputs {x}, activation (1 / (H * W) folded into the requantization)
//   kMean             inputs {x}, keep_dims (TFLite MEAN over H and W)
//   kSoftmax          inputs {x}, beta (output scale 1/256, zero point -128)
//   kReshape          inputs {x} (a view: same element count and quantization, nothing runs)
//   kPad              inputs {x}, pad_top / pad_left / pad_bottom / pad_right (output quantized
//                     as the input, padded with its zero point)
//   kConcatenation    inputs {x0, x1, ...} (2 .. runtime::kMaxConcatInputs, along C)
//   kQuantize         inputs {x} (int8 -> int8 requantization)
// The window is kernel, stride and padding, each height and width apart (TFLite's SAME padding
// puts an odd extra row / column at the bottom / right).
struct Op {
  OpKind kind = OpKind::kConv2d;
  std::string name;           // e.g. "blocks.3.depthwise"
  std::vector<int> inputs;    // activation tensor indices, in order
  int weights = -1;           // constant tensor index, or -1
  std::vector<int32_t> bias;  // int32 bias per output channel (empty: none)
  int output = -1;
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int dilation_h = 1, dilation_w = 1;  // TFLite's dilation factors: only 1 is supported
  Activation activation = Activation::kNone;
  bool allow_in_place = false;  // depthwise: the planner may run it in place
  float beta = 1.0f;            // kSoftmax
  bool keep_dims = true;        // kMean: TFLite MEAN's keep_dims (selects TFLite Micro's
                                // computation, runtime::MeanMode)
};

struct Graph {
  std::vector<Tensor> tensors;
  std::vector<Op> ops;  // execution order
  int input = -1;
  int output = -1;
  // The network takes real values at its input (gives them at its output): the caller quantizes
  // with the input tensor's scale and zero point (dequantizes the output), as a float TFLite
  // model's QUANTIZE / DEQUANTIZE at its edges would.
  bool real_input = false;
  bool real_output = false;

  int add_tensor(Tensor tensor);
  int add_op(Op op);
};

// Kinds with a weights tensor (and per-channel bias, multipliers and shifts).
bool op_has_weights(OpKind kind);
// Kinds with a sliding window (kernel, stride, padding).
bool op_has_window(OpKind kind);
// Kinds that use the four padding fields: the windowed kinds and kPad.
bool op_has_padding(OpKind kind);
// Kinds with a fused activation (the others clamp to the whole int8 range).
bool op_has_activation(OpKind kind);

// "op 3 'blocks.0.expand'" and "tensor 5 'blocks.0.expand.weight'" (the name left out when it
// is empty, or the index is not the graph's), how errors name them.
std::string describe_op(const Graph& graph, int index);
std::string describe_tensor(const Graph& graph, int index);

// MACs of one op (multiply-accumulates; adds, pools, softmax and mean count one per input element
// read, pad, concatenation and quantize one per output element written, a view none).
int64_t op_macs(const Graph& graph, const Op& op);
// Total MACs of conv, depthwise and fully-connected ops (the figure papers report).
int64_t graph_macs(const Graph& graph);
// Weights + biases, the "parameters" figure papers report.
int64_t graph_params(const Graph& graph);

}  // namespace tinynas::compiler
