// Small networks for the QEMU integration tests, written with the compiler (graph builder,
// memory planner, model writer) exactly as `tinynas compile --random-weights` would. They are
// sized to fit the smallest emulated board (qemu-netduinoplus2: 64 KiB model region, 80 KiB
// arena) and to run in well under a second under QEMU -icount.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/compiler/graph_builder.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/memory_planner.h"
#include "engine/compiler/model_writer.h"
#include "engine/compiler/network_spec.h"

namespace tinynas::profiler::testing {

struct TestModel {
  std::string name;
  std::vector<uint8_t> bytes;
  int64_t macs = 0;
  int64_t planned_arena = 0;
};

inline compiler::BlockSpec block(int in, int out, int kernel, int stride, int mid, bool residual) {
  compiler::BlockSpec spec;
  spec.in_channels = in;
  spec.out_channels = out;
  spec.kernel_size = kernel;
  spec.stride = stride;
  spec.mid_channels = mid;
  spec.residual = residual;
  return spec;
}

inline TestModel compile_test_model(const compiler::NetworkSpec& spec, uint32_t seed,
                                    bool in_place_depthwise = true,
                                    compiler::Schedule schedule = compiler::Schedule::kPlain) {
  compiler::BuildOptions options;
  options.seed = seed;
  const compiler::Graph graph = compiler::build_graph(spec, options);
  compiler::PlannerOptions planner;
  planner.in_place_depthwise = in_place_depthwise;
  planner.schedule = schedule;
  const compiler::MemoryPlan plan = compiler::plan_memory(graph, planner);
  return {spec.name, compiler::write_model(graph, plan), compiler::graph_macs(graph),
          plan.arena_bytes};
}

// A MobileNetV2-style net with every op kind the builder emits (conv, depthwise, residual
// add, pooling, classifier), strides 1 and 2, kernels 3 and 5.
inline compiler::NetworkSpec tiny_mobilenet_spec() {
  compiler::NetworkSpec spec;
  spec.name = "tiny-mbv2";
  spec.resolution = 32;
  spec.input_channels = 3;
  spec.first_conv.out_channels = 8;
  spec.first_conv.kernel_size = 3;
  spec.first_conv.stride = 2;
  spec.blocks = {block(8, 8, 3, 1, 8, true), block(8, 16, 3, 2, 24, false),
                 block(16, 16, 5, 1, 48, true)};
  spec.num_classes = 10;
  return spec;
}

inline TestModel tiny_mobilenet() { return compile_test_model(tiny_mobilenet_spec(), 11); }

// Mostly 1x1 convolutions: wide expansions, a feature-mix conv.
inline TestModel pointwise_heavy() {
  compiler::NetworkSpec spec;
  spec.name = "pointwise-heavy";
  spec.resolution = 16;
  spec.input_channels = 3;
  spec.first_conv.out_channels = 16;
  spec.first_conv.kernel_size = 3;
  spec.first_conv.stride = 2;
  spec.blocks = {block(16, 24, 3, 1, 96, false), block(24, 24, 3, 1, 96, true)};
  compiler::ConvLayerSpec mix;
  mix.out_channels = 64;
  mix.kernel_size = 1;
  spec.feature_mix = mix;
  spec.num_classes = 12;
  return compile_test_model(spec, 22);
}

// Mostly depthwise: 7x7 kernels without expansion, planned without in-place depthwise (the
// other planner mode).
inline TestModel depthwise_heavy() {
  compiler::NetworkSpec spec;
  spec.name = "depthwise-heavy";
  spec.resolution = 24;
  spec.input_channels = 3;
  spec.first_conv.out_channels = 16;
  spec.first_conv.kernel_size = 3;
  spec.first_conv.stride = 1;
  spec.blocks = {block(16, 16, 7, 1, 16, true), block(16, 16, 7, 2, 16, false),
                 block(16, 16, 5, 1, 16, true)};
  spec.num_classes = 5;
  return compile_test_model(spec, 33, /*in_place_depthwise=*/false);
}

// tiny_mobilenet's network with every expand -> depthwise -> project block fused (row-streamed
// through a ring in the scratch: inverted_residual_rows_s8), stride 1 and 2, kernels 3 and 5.
inline TestModel tiny_mobilenet_fused() {
  compiler::NetworkSpec spec = tiny_mobilenet_spec();
  spec.name = "tiny-mbv2-fused";
  return compile_test_model(spec, 11, /*in_place_depthwise=*/true, compiler::Schedule::kFused);
}

// tiny_mobilenet's network with a patch stage first (MCUNetV2; grid and split: the planner's
// smallest peak), then op by op.
inline TestModel tiny_mobilenet_patched() {
  compiler::NetworkSpec spec = tiny_mobilenet_spec();
  spec.name = "tiny-mbv2-patch";
  return compile_test_model(spec, 11, /*in_place_depthwise=*/true, compiler::Schedule::kPatch);
}

// tiny_mobilenet's network under the planner's smallest-peak schedule (patches, fused blocks,
// scratch time-shared inside the arena, whichever combination wins).
inline TestModel tiny_mobilenet_auto() {
  compiler::NetworkSpec spec = tiny_mobilenet_spec();
  spec.name = "tiny-mbv2-auto";
  return compile_test_model(spec, 11, /*in_place_depthwise=*/true, compiler::Schedule::kAuto);
}

// tiny_mobilenet's network with streamed stages (row streaming across layers: every row
// computed once, rings of rows between the ops), fused blocks after them where they help.
inline TestModel tiny_mobilenet_streamed() {
  compiler::NetworkSpec spec = tiny_mobilenet_spec();
  spec.name = "tiny-mbv2-streamed";
  return compile_test_model(spec, 11, /*in_place_depthwise=*/true, compiler::Schedule::kStreamed);
}

// depthwise_heavy's network (7x7 and 5x5 depthwise, stride 2, residuals) with one streamed stage
// over all its convolutions and adds: rings read by several ops, DSP kernels row by row.
inline TestModel depthwise_heavy_streamed() {
  compiler::NetworkSpec spec;
  spec.name = "depthwise-heavy-streamed";
  spec.resolution = 24;
  spec.input_channels = 3;
  spec.first_conv.out_channels = 16;
  spec.first_conv.kernel_size = 3;
  spec.first_conv.stride = 1;
  spec.blocks = {block(16, 16, 7, 1, 16, true), block(16, 24, 3, 2, 48, false),
                 block(24, 24, 5, 1, 48, true)};
  spec.num_classes = 5;
  compiler::BuildOptions options;
  options.seed = 44;
  const compiler::Graph graph = compiler::build_graph(spec, options);
  int last = 0;  // the last op before the classifier head
  while (graph.ops[last + 1].kind != compiler::OpKind::kGlobalAveragePool) ++last;
  const compiler::MemoryPlan plan = compiler::plan_schedule(
      compiler::validate_graph(graph, compiler::GraphUse::kPlanning, "test model"), {}, {}, {},
      {{0, last}});
  return {spec.name, compiler::write_model(graph, plan), compiler::graph_macs(graph),
          plan.arena_bytes};
}

inline std::vector<TestModel> integration_models() {
  return {tiny_mobilenet(),          pointwise_heavy(),         depthwise_heavy(),
          tiny_mobilenet_fused(),    tiny_mobilenet_patched(),  tiny_mobilenet_auto(),
          tiny_mobilenet_streamed(), depthwise_heavy_streamed()};
}

}  // namespace tinynas::profiler::testing
