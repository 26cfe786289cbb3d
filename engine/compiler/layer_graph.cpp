#include "engine/compiler/layer_graph.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace tinynas::compiler {

namespace {

int output_extent(int input, int pad_before, int pad_after, int kernel, int stride) {
  return (input + pad_before + pad_after - kernel) / stride + 1;
}

// The graph's input (1 x h x w x in_c) and the layer's weights and output tensors, and the op
// "op" of spec.kind reading and writing them; its window fields and activation are the caller's.
Op add_layer_tensors(Graph& graph, const LayerSpec& spec, const TensorShape& weights_shape,
                     const TensorShape& output_shape) {
  Tensor input;
  input.name = "input";
  input.shape = {1, spec.h, spec.w, spec.in_c};
  graph.input = graph.add_tensor(input);
  Tensor weights;
  weights.name = "op.weight";
  weights.is_constant = true;
  weights.shape = weights_shape;
  Tensor output;
  output.name = "op";
  output.shape = output_shape;
  Op op;
  op.kind = spec.kind;
  op.name = "op";
  op.inputs = {graph.input};
  op.weights = graph.add_tensor(weights);
  op.output = graph.add_tensor(output);
  return op;
}

// The input flattened to h * w * in_c values, weights out_c x 1 x 1 x (h * w * in_c); the window
// fields are not used.
Graph fully_connected_graph(const LayerSpec& spec) {
  Graph graph;
  Op op = add_layer_tensors(graph, spec, {spec.out_c, 1, 1, spec.h * spec.w * spec.in_c},
                            {1, 1, 1, spec.out_c});
  op.activation = spec.activation;
  graph.output = op.output;
  graph.add_op(op);
  return graph;
}

}  // namespace

SamePadding tflite_same_padding(int input, int kernel, int stride) {
  const int output = (input + stride - 1) / stride;
  const int total = std::max(0, (output - 1) * stride + kernel - input);
  return {total / 2, total - total / 2};
}

Graph layer_graph(const LayerSpec& spec) {
  if (spec.kind == OpKind::kFullyConnected) return fully_connected_graph(spec);
  const int out_h =
      output_extent(spec.h, spec.pad_top, spec.pad_bottom, spec.kernel_h, spec.stride_h);
  const int out_w =
      output_extent(spec.w, spec.pad_left, spec.pad_right, spec.kernel_w, spec.stride_w);
  if (spec.stride_h < 1 || spec.stride_w < 1 || out_h < 1 || out_w < 1) {
    throw std::invalid_argument("layer_graph: a " + std::to_string(spec.kernel_h) + "x" +
                                std::to_string(spec.kernel_w) + " window with strides " +
                                std::to_string(spec.stride_h) + "x" +
                                std::to_string(spec.stride_w) + " leaves no output on a " +
                                std::to_string(spec.h) + "x" + std::to_string(spec.w) + " input");
  }
  Graph graph;
  Op op = add_layer_tensors(graph, spec,
                            spec.kind == OpKind::kDepthwiseConv2d
                                ? TensorShape{1, spec.kernel_h, spec.kernel_w, spec.out_c}
                                : TensorShape{spec.out_c, spec.kernel_h, spec.kernel_w, spec.in_c},
                            {1, out_h, out_w, spec.out_c});
  op.kernel_h = spec.kernel_h;
  op.kernel_w = spec.kernel_w;
  op.stride_h = spec.stride_h;
  op.stride_w = spec.stride_w;
  op.pad_top = spec.pad_top;
  op.pad_left = spec.pad_left;
  op.pad_bottom = spec.pad_bottom;
  op.pad_right = spec.pad_right;
  op.activation = spec.activation;
  graph.output = op.output;
  graph.add_op(op);
  return graph;
}

}  // namespace tinynas::compiler
