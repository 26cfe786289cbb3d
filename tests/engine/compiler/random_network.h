// Test helpers: random NetworkSpecs, random DAG-shaped graphs, and NetworkSpec comparison.
#pragma once

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "engine/compiler/graph.h"
#include "engine/compiler/network_spec.h"

namespace tinynas::compiler::testing {

struct RandomSpecLimits {
  int min_resolution = 8;
  int max_resolution = 48;
  int max_channels = 24;
  int max_blocks = 6;
  int max_expand_ratio = 6;
  int max_classes = 12;
};

inline int uniform_int(std::mt19937& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

inline bool coin(std::mt19937& rng, double p_true = 0.5) {
  return std::bernoulli_distribution(p_true)(rng);
}

inline Activation random_activation(std::mt19937& rng) {
  const int choice = uniform_int(rng, 0, 5);
  return choice == 0 ? Activation::kRelu : choice == 1 ? Activation::kNone : Activation::kRelu6;
}

// A random but valid MobileNetV2-style network: every field the format allows varies
// (kernels, strides, expansion or none, residuals, odd resolutions, feature-mix or none).
inline NetworkSpec random_network_spec(std::mt19937& rng, const RandomSpecLimits& limits = {}) {
  constexpr int kBlockKernels[] = {3, 5, 7};
  constexpr int kFirstConvKernels[] = {1, 3, 5};
  NetworkSpec spec;
  spec.name = "random";
  spec.resolution = uniform_int(rng, limits.min_resolution, limits.max_resolution);
  spec.input_channels = uniform_int(rng, 1, 4);
  spec.num_classes = uniform_int(rng, 1, limits.max_classes);
  spec.first_conv.out_channels = uniform_int(rng, 1, limits.max_channels);
  spec.first_conv.kernel_size = kFirstConvKernels[uniform_int(rng, 0, 2)];
  spec.first_conv.stride = uniform_int(rng, 1, 2);
  spec.first_conv.activation = random_activation(rng);
  int channels = spec.first_conv.out_channels;
  const int block_count = uniform_int(rng, 0, limits.max_blocks);
  for (int i = 0; i < block_count; ++i) {
    BlockSpec block;
    block.in_channels = channels;
    block.out_channels = coin(rng) ? channels : uniform_int(rng, 1, limits.max_channels);
    block.kernel_size = kBlockKernels[uniform_int(rng, 0, 2)];
    block.stride = coin(rng, 0.3) ? 2 : 1;
    block.mid_channels =
        coin(rng, 0.25) ? channels : uniform_int(rng, 1, channels * limits.max_expand_ratio);
    const bool can_add = block.stride == 1 && block.in_channels == block.out_channels;
    block.residual = can_add && coin(rng, 0.8);
    block.activation = random_activation(rng);
    spec.blocks.push_back(block);
    channels = block.out_channels;
  }
  if (coin(rng, 0.4)) {
    ConvLayerSpec mix;
    mix.out_channels = uniform_int(rng, 1, limits.max_channels * 2);
    mix.kernel_size = 1;
    mix.stride = 1;
    mix.activation = random_activation(rng);
    spec.feature_mix = mix;
  }
  return spec;
}

inline bool same_conv_layer(const ConvLayerSpec& a, const ConvLayerSpec& b) {
  return a.out_channels == b.out_channels && a.kernel_size == b.kernel_size &&
         a.stride == b.stride && a.activation == b.activation;
}

inline bool same_block(const BlockSpec& a, const BlockSpec& b) {
  return a.in_channels == b.in_channels && a.out_channels == b.out_channels &&
         a.kernel_size == b.kernel_size && a.stride == b.stride &&
         a.mid_channels == b.mid_channels && a.residual == b.residual &&
         a.activation == b.activation;
}

inline bool same_spec(const NetworkSpec& a, const NetworkSpec& b) {
  if (a.name != b.name || a.resolution != b.resolution || a.input_channels != b.input_channels ||
      a.num_classes != b.num_classes || !same_conv_layer(a.first_conv, b.first_conv) ||
      a.blocks.size() != b.blocks.size() ||
      a.feature_mix.has_value() != b.feature_mix.has_value()) {
    return false;
  }
  for (size_t i = 0; i < a.blocks.size(); ++i) {
    if (!same_block(a.blocks[i], b.blocks[i])) return false;
  }
  return !a.feature_mix || same_conv_layer(*a.feature_mix, *b.feature_mix);
}

// A random DAG of 1x1 convs, in-place-able depthwise convs and adds over one spatial size, whose
// ops read tensors produced anywhere earlier (so some live far longer than their neighbours).
// Only the planner reads it: weights are shapes without values.
inline Graph random_dag(std::mt19937& rng, int op_count) {
  Graph graph;
  const int size = uniform_int(rng, 2, 20);
  auto activation = [&](const std::string& name, int channels) {
    Tensor tensor;
    tensor.name = name;
    tensor.shape = TensorShape{1, size, size, channels};
    return graph.add_tensor(tensor);
  };
  auto weights = [&](const std::string& name, TensorShape shape) {
    Tensor tensor;
    tensor.name = name + ".weight";
    tensor.shape = shape;
    tensor.is_constant = true;
    return graph.add_tensor(tensor);
  };
  graph.input = activation("input", uniform_int(rng, 1, 16));
  std::vector<int> available = {graph.input};
  for (int i = 0; i < op_count; ++i) {
    const std::string name = "op" + std::to_string(i);
    // Prefer recent tensors, but sometimes reach far back.
    const int back = coin(rng, 0.7) ? uniform_int(rng, 0, std::min<int>(2, available.size() - 1))
                                    : uniform_int(rng, 0, available.size() - 1);
    const int source = available[available.size() - 1 - back];
    const int channels = graph.tensors[source].shape.c;
    Op op;
    op.name = name;
    op.inputs = {source};
    const int kind = uniform_int(rng, 0, 2);
    int partner = -1;
    if (kind == 2) {
      std::vector<int> same_shape;
      for (int t : available) {
        if (graph.tensors[t].shape == graph.tensors[source].shape) same_shape.push_back(t);
      }
      partner = same_shape[uniform_int(rng, 0, static_cast<int>(same_shape.size()) - 1)];
    }
    if (kind == 0 || (kind == 2 && partner == source && coin(rng))) {
      const int out_channels = uniform_int(rng, 1, 32);
      op.kind = OpKind::kConv2d;
      op.weights = weights(name, TensorShape{out_channels, 1, 1, channels});
      op.output = activation(name, out_channels);
    } else if (kind == 1) {
      const int kernel = 2 * uniform_int(rng, 1, 3) + 1;
      op.kind = OpKind::kDepthwiseConv2d;
      op.kernel_h = op.kernel_w = kernel;
      op.pad_top = op.pad_left = op.pad_bottom = op.pad_right = kernel / 2;
      op.weights = weights(name, TensorShape{1, kernel, kernel, channels});
      op.allow_in_place = true;
      op.output = activation(name, channels);
    } else {
      op.kind = OpKind::kAdd;
      op.inputs = {source, partner};
      op.output = activation(name, channels);
    }
    available.push_back(op.output);
    graph.add_op(op);
  }
  graph.output = graph.ops.back().output;
  return graph;
}

// TFLite's SAME (extra row / column at the bottom / right) or VALID padding of one dimension.
struct WindowDimension {
  int output = 0, pad_before = 0, pad_after = 0;
};
inline WindowDimension tflite_window(int input, int kernel, int stride, bool same) {
  WindowDimension d;
  if (same) {
    d.output = (input + stride - 1) / stride;
    const int total = std::max((d.output - 1) * stride + kernel - input, 0);
    d.pad_before = total / 2;
    d.pad_after = total - d.pad_before;
  } else {
    d.output = (input - kernel) / stride + 1;
  }
  return d;
}

// A random chain of the windows TFLite models carry: convolutions with kh != kw (up to 5 x 5),
// unequal strides, SAME padding with the odd extra row or column at the bottom / right, VALID
// padding; depthwise convolutions with depth multiplier 1 or 2; expand 1x1 -> depthwise ->
// project 1x1 blocks (fusable) with residual adds. Weights and quantization are random
// (fill_random_weights), so the graph can be written and run.
inline Graph random_window_graph(std::mt19937& rng) {
  Graph graph;
  int h = uniform_int(rng, 6, 24), w = uniform_int(rng, 6, 24), c = uniform_int(rng, 1, 6);
  auto activation = [&](const std::string& name, int height, int width, int channels) {
    Tensor tensor;
    tensor.name = name;
    tensor.shape = TensorShape{1, height, width, channels};
    return graph.add_tensor(tensor);
  };
  auto weights = [&](const std::string& name, TensorShape shape) {
    Tensor tensor;
    tensor.name = name + ".weight";
    tensor.shape = shape;
    tensor.is_constant = true;
    tensor.data.assign(static_cast<size_t>(shape.elements()), 0);
    return graph.add_tensor(tensor);
  };
  graph.input = activation("input", h, w, c);
  int x = graph.input;
  // A windowed op reading x; kind kConv2d or kDepthwiseConv2d (multiplier out_c / c).
  auto windowed = [&](const std::string& name, OpKind kind, int out_c, int kernel_h, int kernel_w,
                      int stride_h, int stride_w, bool same) {
    const WindowDimension rows = tflite_window(h, kernel_h, stride_h, same);
    const WindowDimension cols = tflite_window(w, kernel_w, stride_w, same);
    Op op;
    op.kind = kind;
    op.name = name;
    op.inputs = {x};
    op.weights = weights(name, kind == OpKind::kConv2d ? TensorShape{out_c, kernel_h, kernel_w, c}
                                                       : TensorShape{1, kernel_h, kernel_w, out_c});
    op.bias.assign(out_c, 0);
    op.kernel_h = kernel_h;
    op.kernel_w = kernel_w;
    op.stride_h = stride_h;
    op.stride_w = stride_w;
    op.pad_top = rows.pad_before;
    op.pad_bottom = rows.pad_after;
    op.pad_left = cols.pad_before;
    op.pad_right = cols.pad_after;
    op.activation = random_activation(rng);
    op.allow_in_place = kind == OpKind::kDepthwiseConv2d;
    op.output = activation(name, rows.output, cols.output, out_c);
    graph.add_op(op);
    x = op.output;
    h = rows.output;
    w = cols.output;
    c = out_c;
  };
  auto kernel = [&](int limit) { return uniform_int(rng, 1, std::min(5, limit)); };
  const int blocks = uniform_int(rng, 2, 6);
  for (int b = 0; b < blocks; ++b) {
    const std::string name = "b" + std::to_string(b);
    const int choice = uniform_int(rng, 0, 2);
    const bool same = coin(rng, 0.7);
    const int kh = kernel(same ? 5 : h), kw = kernel(same ? 5 : w);
    const int sh = uniform_int(rng, 1, 2), sw = uniform_int(rng, 1, 2);
    if (choice == 0) {
      windowed(name + ".conv", OpKind::kConv2d, uniform_int(rng, 1, 10), kh, kw, sh, sw, same);
    } else if (choice == 1) {
      windowed(name + ".depthwise", OpKind::kDepthwiseConv2d, c * uniform_int(rng, 1, 2), kh, kw,
               sh, sw, same);
    } else {  // expand -> depthwise -> project (+ residual add when shapes allow)
      const int block_input = x;
      const int in_c = c;
      windowed(name + ".expand", OpKind::kConv2d, c * uniform_int(rng, 1, 3), 1, 1, 1, 1, false);
      windowed(name + ".depthwise", OpKind::kDepthwiseConv2d, c, kh, kw, sh, sw, true);
      const int out_c = coin(rng) ? in_c : uniform_int(rng, 1, 8);
      windowed(name + ".project", OpKind::kConv2d, out_c, 1, 1, 1, 1, false);
      graph.ops.back().activation = Activation::kNone;
      if (graph.tensors[block_input].shape == graph.tensors[x].shape) {
        Op add;
        add.kind = OpKind::kAdd;
        add.name = name + ".add";
        add.inputs = {block_input, x};
        add.output = activation(add.name, h, w, c);
        graph.add_op(add);
        x = add.output;
      }
    }
  }
  windowed("head", OpKind::kConv2d, uniform_int(rng, 1, 8), 1, 1, 1, 1, false);
  graph.output = x;
  return graph;
}

}  // namespace tinynas::compiler::testing
