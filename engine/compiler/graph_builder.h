// Lowers a NetworkSpec to the graph IR. Structure and weights are separate steps so that a
// lowering with real (trained) weights can reuse the structure:
//
//   build_graph_structure(spec)  ops, shapes, SAME padding, names, fixed quantization
//   fill_random_weights(graph)   seeded random int8 weights, int32 biases and activation scales
//   build_graph(spec, options)   both
//
// Per block: [1x1 expand Conv2d] -> k x k DepthwiseConv2d (allow_in_place) -> 1x1 project
// Conv2d (linear) -> [Add with the block input]. Then [1x1 feature-mix], GlobalAveragePool and the
// FullyConnected classifier. Ops are named "first_conv", "blocks.3.expand", "blocks.3.depthwise",
// "blocks.3.project", "blocks.3.add", "feature_mix", "pool", "classifier"; each op's output
// tensor has the op's name, its weights "<op>.weight"; the graph input is "input".
#pragma once

#include <cstdint>
#include <string>

#include "engine/compiler/graph.h"
#include "engine/compiler/network_spec.h"

namespace tinynas::compiler {

// Inputs normalised to [-1, 1): q = round(x * 127.5).
inline constexpr float kDefaultInputScale = 2.0f / 255.0f;
inline constexpr int32_t kDefaultInputZeroPoint = 0;
// ReLU6 outputs cover [0, 6] with all 256 levels: real = 6/255 * (q + 128).
inline constexpr float kRelu6OutputScale = 6.0f / 255.0f;
inline constexpr int32_t kRelu6OutputZeroPoint = -128;

struct BuildOptions {
  uint32_t seed = 1;
  bool random_weights = true;  // false: structure only (weights zero, scales placeholders)
  float input_scale = kDefaultInputScale;
  int32_t input_zero_point = kDefaultInputZeroPoint;
};

// Validates `spec` (validate_network_spec; throws std::invalid_argument) and builds the ops and
// tensors. Weight tensors get their shapes and zero-filled data, every conv / depthwise / fully
// connected op a zero bias of out_channels entries, ReLU6 outputs their fixed quantization; the
// other activation scales are 1 until weights are attached.
Graph build_graph_structure(const NetworkSpec& spec, float input_scale = kDefaultInputScale,
                            int32_t input_zero_point = kDefaultInputZeroPoint);

// Seeded random int8 weights (uniform, per-output-channel scales), int32 biases and activation
// quantization chosen from each layer's fan-in so that outputs span the int8 range instead of
// saturating (a He-style variance argument propagated through the graph). Deterministic for a
// given seed.
void fill_random_weights(Graph& graph, uint32_t seed);

Graph build_graph(const NetworkSpec& spec, const BuildOptions& options = {});

// Index of the op / tensor with that name, or -1.
int find_op(const Graph& graph, const std::string& name);
int find_tensor(const Graph& graph, const std::string& name);

}  // namespace tinynas::compiler
