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

}  // namespace tinynas::compiler::testing
