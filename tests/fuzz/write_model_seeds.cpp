// Writes the seed corpus of the model-validator fuzzer: a few small valid models covering every
// op kind, in-place depthwise, stride 2, models without bias, a fused inverted-residual group and
// a patch stage, streamed stages (rings of rows across ops), the scratch inside the arena, and
// training models (format version 3: a training section; weight ratios 1/8 to 1, so saved input
// channels too).
// Usage: write_model_seeds DIR   (the committed seeds live in tests/fuzz/corpus/model_validator)
#include <cstdio>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "engine/compiler/memory_plan.h"
#include "engine/compiler/memory_planner.h"
#include "engine/compiler/model_writer.h"
#include "engine/compiler/training_model_writer.h"
#include "tests/engine/compiler/model_test_graphs.h"
#include "tests/fuzz/fuzz_training_net.h"

namespace {

using tinynas::compiler::testing::TestGraphOptions;

void write_seed(const std::string& dir, const std::string& name, const TestGraphOptions& options) {
  const tinynas::compiler::Graph graph = tinynas::compiler::testing::make_test_graph(options);
  const auto plan =
      tinynas::compiler::testing::make_sequential_plan(graph, options.in_place_depthwise);
  tinynas::compiler::write_model_file(dir + "/" + name,
                                      tinynas::compiler::write_model(graph, plan));
}

// The same graph planned with the fused schedule (expand -> depthwise -> project row-streamed).
void write_fused_seed(const std::string& dir, const std::string& name,
                      const TestGraphOptions& options) {
  const tinynas::compiler::Graph graph = tinynas::compiler::testing::make_test_graph(options);
  tinynas::compiler::PlannerOptions planner;
  planner.schedule = tinynas::compiler::Schedule::kFused;
  tinynas::compiler::write_model_file(
      dir + "/" + name,
      tinynas::compiler::write_model(graph, tinynas::compiler::plan_memory(graph, planner)));
}

// The same graph with its first five ops (stem conv through the residual add) in 2 x 2 patches.
void write_patch_seed(const std::string& dir, const std::string& name,
                      const TestGraphOptions& options) {
  const tinynas::compiler::Graph graph = tinynas::compiler::testing::make_test_graph(options);
  tinynas::compiler::PlannerOptions planner;
  planner.schedule = tinynas::compiler::Schedule::kPatch;
  planner.patch = tinynas::compiler::PatchConfig{2, 5};
  tinynas::compiler::write_model_file(
      dir + "/" + name,
      tinynas::compiler::write_model(graph, tinynas::compiler::plan_memory(graph, planner)));
}

// The fused graph with its scratch (the group's ring) inside the arena.
void write_arena_scratch_seed(const std::string& dir, const std::string& name,
                              const TestGraphOptions& options) {
  const tinynas::compiler::Graph graph = tinynas::compiler::testing::make_test_graph(options);
  tinynas::compiler::PlannerOptions planner;
  planner.schedule = tinynas::compiler::Schedule::kFused;
  planner.scratch_in_arena = true;
  tinynas::compiler::write_model_file(
      dir + "/" + name,
      tinynas::compiler::write_model(graph, tinynas::compiler::plan_memory(graph, planner)));
}

// The same graph with the ops from the stem conv through the average pool in one streamed stage.
void write_streamed_seed(const std::string& dir, const std::string& name,
                         const TestGraphOptions& options, bool scratch_in_arena) {
  using namespace tinynas::compiler;
  const Graph graph = testing::make_test_graph(options);
  PlannerOptions planner;
  planner.scratch_in_arena = scratch_in_arena;
  int pool = 0;
  while (graph.ops[pool].kind != OpKind::kAveragePool2d) ++pool;
  const MemoryPlan plan = plan_schedule(validate_graph(graph, GraphUse::kPlanning, "seed"), planner,
                                        {}, {}, {{0, pool}});
  write_model_file(dir + "/" + name, write_model(graph, plan));
}

// A training model of the fuzz network under `scheme` (every layer named trains its bias, and
// its weights at the given eighths).
void write_training_seed(const std::string& dir, const std::string& name,
                         const std::vector<std::pair<std::string, int>>& layers) {
  using namespace tinynas::compiler;
  const Graph graph = tinynas::fuzz::fuzz_training_graph();
  UpdateScheme scheme;
  for (const auto& [layer, eighths] : layers) scheme.layers.push_back({layer, true, eighths});
  write_model_file(
      dir + "/" + name,
      write_training_model(validate_graph(graph, GraphUse::kModelFile), scheme, 0.01f));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  try {
    TestGraphOptions residual;
    residual.input_size = 4;
    write_seed(dir, "seed-residual.tnm", residual);

    TestGraphOptions in_place = residual;
    in_place.in_place_depthwise = true;
    in_place.seed = 2;
    write_seed(dir, "seed-in-place.tnm", in_place);

    TestGraphOptions strided;
    strided.input_size = 8;
    strided.depthwise_stride = 2;
    strided.in_place_depthwise = true;
    strided.with_bias = false;
    strided.seed = 3;
    write_seed(dir, "seed-stride2-no-bias.tnm", strided);

    TestGraphOptions fused = residual;
    fused.seed = 4;
    write_fused_seed(dir, "seed-fused.tnm", fused);

    TestGraphOptions patch = residual;
    patch.seed = 5;
    write_patch_seed(dir, "seed-patch.tnm", patch);

    TestGraphOptions arena_scratch = residual;
    arena_scratch.seed = 6;
    write_arena_scratch_seed(dir, "seed-arena-scratch.tnm", arena_scratch);

    TestGraphOptions streamed = residual;
    streamed.input_size = 12;
    streamed.seed = 7;
    write_streamed_seed(dir, "seed-streamed.tnm", streamed, false);
    TestGraphOptions streamed_strided = strided;
    streamed_strided.input_size = 14;
    streamed_strided.seed = 8;
    write_streamed_seed(dir, "seed-streamed-stride2-arena-scratch.tnm", streamed_strided, true);

    write_training_seed(dir, "seed-train-classifier.tnm", {{"classifier", 0}});
    write_training_seed(dir, "seed-train-sparse.tnm",
                        {{"blocks.0.expand", 1},
                         {"blocks.0.depthwise", 2},
                         {"blocks.0.project", 4},
                         {"blocks.1.depthwise", 0},
                         {"blocks.1.project", 8},
                         {"classifier", 4}});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "write_model_seeds: %s\n", e.what());
    return 1;
  }
  return 0;
}
