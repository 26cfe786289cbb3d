// Small valid .tnm models for the farm tests, all distinct (the seed changes the weights and so
// the model hash), built by the compiler like `tinynas compile --random-weights`.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/compiler/graph_builder.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/model_writer.h"
#include "engine/compiler/network_spec.h"

namespace tinynas::farm::testing {

inline constexpr int kTinyResolution = 8;
inline constexpr int kTinyChannels = 8;
inline constexpr int kTinyClasses = 4;

// A minimal network with every structural op kind: conv, one inverted residual block
// (expand, depthwise, project, add), pooling and the classifier. `resolution` scales its cost.
inline std::vector<uint8_t> tiny_model(uint32_t seed, int resolution = kTinyResolution) {
  compiler::NetworkSpec spec;
  spec.name = "farm-test";
  spec.resolution = resolution;
  spec.input_channels = 1;
  spec.first_conv.out_channels = kTinyChannels;
  spec.first_conv.kernel_size = 3;
  spec.first_conv.stride = 1;
  compiler::BlockSpec block;
  block.in_channels = kTinyChannels;
  block.out_channels = kTinyChannels;
  block.kernel_size = 3;
  block.stride = 1;
  block.mid_channels = 2 * kTinyChannels;
  block.residual = true;
  spec.blocks = {block};
  spec.num_classes = kTinyClasses;
  compiler::BuildOptions options;
  options.seed = seed;
  const compiler::Graph graph = compiler::build_graph(spec, options);
  return compiler::write_model(graph, compiler::plan_memory(graph));
}

}  // namespace tinynas::farm::testing
