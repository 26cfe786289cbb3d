// Models for the export tests, written with the compiler exactly as `tinynas compile
// --random-weights` would: a 28x28x1 classifier (Fashion-MNIST shaped, so --verify reads the
// real test split) and a 20x20x3 one (pseudo-random samples).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/compiler/graph_builder.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/model_file.h"
#include "engine/compiler/model_writer.h"
#include "engine/compiler/network_spec.h"

namespace tinynas::testing {

inline compiler::BlockSpec export_block(int in, int out, int kernel, int stride, int mid,
                                        bool residual) {
  compiler::BlockSpec spec;
  spec.in_channels = in;
  spec.out_channels = out;
  spec.kernel_size = kernel;
  spec.stride = stride;
  spec.mid_channels = mid;
  spec.residual = residual;
  return spec;
}

inline compiler::LoadedModel compile_export_model(const compiler::NetworkSpec& spec,
                                                  uint32_t seed) {
  compiler::BuildOptions options;
  options.seed = seed;
  const compiler::Graph graph = compiler::build_graph(spec, options);
  const compiler::MemoryPlan plan = compiler::plan_memory(graph, compiler::PlannerOptions{});
  return compiler::LoadedModel(compiler::write_model(graph, plan), spec.name);
}

inline compiler::LoadedModel fashion_shaped_model() {
  compiler::NetworkSpec spec;
  spec.name = "export-fmnist";
  spec.resolution = 28;
  spec.input_channels = 1;
  spec.first_conv.out_channels = 8;
  spec.first_conv.kernel_size = 3;
  spec.first_conv.stride = 2;
  spec.blocks = {export_block(8, 8, 3, 1, 8, true), export_block(8, 16, 3, 2, 24, false),
                 export_block(16, 16, 5, 1, 48, true)};
  spec.num_classes = 10;
  return compile_export_model(spec, 7);
}

inline compiler::LoadedModel rgb_model() {
  compiler::NetworkSpec spec;
  spec.name = "export-rgb";
  spec.resolution = 20;
  spec.input_channels = 3;
  spec.first_conv.out_channels = 8;
  spec.first_conv.kernel_size = 3;
  spec.first_conv.stride = 2;
  spec.blocks = {export_block(8, 16, 3, 2, 24, false)};
  spec.num_classes = 6;
  return compile_export_model(spec, 9);
}

}  // namespace tinynas::testing
