// Streamed stages (row streaming across ops) end to end: random networks — MobileNetV2-style
// specs, TFLite-style windows (unequal kernels and strides, SAME / VALID, depth multipliers),
// DAGs whose tensors are read far from where they are made, chains with average and max pools —
// planned with streamed stages over every range that can form one, run bit-exact with the plain
// schedule on the host engine inside their planned arena and scratch (poisoned buffers);
// mcunet-in3 streamed; the auto schedule never exceeds its MAC-overhead limit.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "engine/compiler/arch_json.h"
#include "engine/compiler/graph_builder.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/memory_planner.h"
#include "engine/compiler/model_file.h"
#include "engine/compiler/model_import.h"
#include "engine/compiler/model_writer.h"
#include "engine/compiler/net_config_import.h"
#include "engine/compiler/streamed_planner.h"
#include "tests/engine/compiler/plan_execution.h"
#include "tests/engine/compiler/random_network.h"

namespace tinynas::compiler {
namespace {

using testing::plan_with;
using testing::random_input;
using testing::run_plan;

// mcunet-in3 under auto as first measured with streamed stages (four stages over blocks 0-4,
// fused blocks after, scratch in the arena): the model input (176 x 176 x 3 = 92,928 B, whole in
// the arena) + the first stage's rings (5,632 B). A regression guard; the input alone is more
// than a third of TinyEngine's 242 kB.
constexpr int64_t kMcunetIn3AutoPeakGolden = 98560;

Graph mcunet_in3() {
  return build_graph(
      load_net_config(std::string(TINYNAS_SOURCE_DIR) + "/configs/nets/mcunet-in3.json"));
}

MemoryPlan plan_stages(const Graph& graph, const std::vector<StreamedStageRange>& stages,
                       bool in_place = true, bool scratch_in_arena = false) {
  PlannerOptions options;
  options.in_place_depthwise = in_place;
  options.scratch_in_arena = scratch_in_arena;
  return plan_schedule(validate_graph(graph, GraphUse::kPlanning, "streamed test"), options, {}, {},
                       stages);
}

// Runs `graph` with one streamed stage over every range that can form one starting at each op
// in `starts` (all ops when empty), and checks each against the plain schedule. Returns how many
// stages ran.
int run_every_stage(const Graph& graph, const std::vector<int8_t>& input, const std::string& label,
                    bool in_place, int max_starts = 1000) {
  const std::vector<int8_t> plain =
      run_plan(graph, plan_with(graph, Schedule::kPlain, {}, in_place), input, label + " plain");
  int stages = 0;
  const int op_count = static_cast<int>(graph.ops.size());
  for (int first = 0; first < op_count && first < max_starts; ++first) {
    for (int last : find_streamed_stage_ends(graph, first)) {
      const std::string case_label =
          label + " stage " + std::to_string(first) + "-" + std::to_string(last);
      const bool shared = (first + last) % 2 == 0;
      const MemoryPlan plan = plan_stages(graph, {{first, last}}, in_place, shared);
      EXPECT_EQ(plan.schedule, Schedule::kStreamed) << case_label;
      EXPECT_EQ(plan.mac_overhead, 0) << case_label;
      EXPECT_EQ(run_plan(graph, plan, input, case_label), plain) << case_label;
      ++stages;
    }
  }
  return stages;
}

TEST(StreamedSchedule, RandomNetworksRunBitExactWithEveryStage) {
  std::mt19937 rng(2023);
  testing::RandomSpecLimits limits;
  limits.min_resolution = 7;
  limits.max_resolution = 29;
  limits.max_channels = 10;
  limits.max_blocks = 4;
  limits.max_expand_ratio = 3;
  int stages = 0;
  for (int trial = 0; trial < 16; ++trial) {
    const NetworkSpec spec = testing::random_network_spec(rng, limits);
    BuildOptions options;
    options.seed = static_cast<uint32_t>(trial);
    const Graph graph = build_graph(spec, options);
    const std::vector<int8_t> input = random_input(graph, static_cast<uint32_t>(trial));
    stages +=
        run_every_stage(graph, input, "random network " + std::to_string(trial), trial % 2 == 0);
    const MemoryPlan streamed = plan_with(graph, Schedule::kStreamed);
    EXPECT_EQ(run_plan(graph, streamed, input, "streamed"),
              run_plan(graph, plan_with(graph, Schedule::kPlain), input, "plain"));
    if (HasFailure()) FAIL() << arch_to_json(spec).dump();
  }
  EXPECT_GT(stages, 100);
}

TEST(StreamedSchedule, RandomWindowGraphsRunBitExactWithEveryStage) {
  std::mt19937 rng(1818);
  int stages = 0;
  for (int trial = 0; trial < 16; ++trial) {
    Graph graph = testing::random_window_graph(rng);
    fill_random_weights(graph, static_cast<uint32_t>(trial + 1));
    const std::vector<int8_t> input = random_input(graph, static_cast<uint32_t>(trial));
    stages += run_every_stage(graph, input, "random window graph " + std::to_string(trial),
                              trial % 2 == 1);
    if (HasFailure()) return;
  }
  EXPECT_GT(stages, 100);
}

// Tensors read by several ops, far from where they are made: rings with several readers whose
// windows lag behind each other, and whole tensors from before a stage read inside it.
TEST(StreamedSchedule, RandomDagsRunBitExactWithEveryStage) {
  std::mt19937 rng(77);
  int stages = 0;
  for (int trial = 0; trial < 40; ++trial) {
    Graph graph = testing::random_dag(rng, testing::uniform_int(rng, 4, 16));
    fill_random_weights(graph, static_cast<uint32_t>(trial + 1));
    const std::vector<int8_t> input = random_input(graph, static_cast<uint32_t>(trial));
    stages += run_every_stage(graph, input, "random dag " + std::to_string(trial), trial % 2 == 0);
    if (HasFailure()) return;
  }
  EXPECT_GT(stages, 60);
}

// A chain of convolutions, depthwise convolutions, average and max pools with random windows.
Graph random_pool_chain(std::mt19937& rng) {
  Graph graph;
  int h = testing::uniform_int(rng, 5, 23), w = testing::uniform_int(rng, 5, 23);
  int c = testing::uniform_int(rng, 1, 6);
  auto activation = [&](const std::string& name) {
    Tensor tensor;
    tensor.name = name;
    tensor.shape = TensorShape{1, h, w, c};
    return graph.add_tensor(tensor);
  };
  graph.input = activation("input");
  int x = graph.input;
  const int op_count = testing::uniform_int(rng, 2, 7);
  for (int i = 0; i < op_count; ++i) {
    const std::string name = "op" + std::to_string(i);
    const int choice = testing::uniform_int(rng, 0, 3);
    Op op;
    op.name = name;
    op.inputs = {x};
    const bool same = testing::coin(rng, 0.6);
    const int kh = testing::uniform_int(rng, 1, std::min(same ? 4 : h, 4));
    const int kw = testing::uniform_int(rng, 1, std::min(same ? 4 : w, 4));
    const int sh = testing::uniform_int(rng, 1, 3), sw = testing::uniform_int(rng, 1, 2);
    const testing::WindowDimension rows = testing::tflite_window(h, kh, sh, same);
    const testing::WindowDimension cols = testing::tflite_window(w, kw, sw, same);
    op.kernel_h = kh;
    op.kernel_w = kw;
    op.stride_h = sh;
    op.stride_w = sw;
    op.pad_top = rows.pad_before;
    op.pad_bottom = rows.pad_after;
    op.pad_left = cols.pad_before;
    op.pad_right = cols.pad_after;
    int out_c = c;
    if (choice <= 1) {
      op.kind = choice == 0 ? OpKind::kAveragePool2d : OpKind::kMaxPool2d;
    } else {
      op.kind = choice == 2 ? OpKind::kConv2d : OpKind::kDepthwiseConv2d;
      if (choice == 2) out_c = testing::uniform_int(rng, 1, 6);
      Tensor weights;
      weights.name = name + ".weight";
      weights.shape = choice == 2 ? TensorShape{out_c, kh, kw, c} : TensorShape{1, kh, kw, c};
      weights.is_constant = true;
      weights.data.assign(static_cast<size_t>(weights.shape.elements()), 0);
      op.weights = graph.add_tensor(weights);
      op.bias.assign(out_c, 0);
      op.activation = testing::random_activation(rng);
    }
    h = rows.output;
    w = cols.output;
    c = out_c;
    op.output = activation(name);
    graph.add_op(op);
    x = op.output;
  }
  graph.output = x;
  return graph;
}

TEST(StreamedSchedule, PoolChainsRunBitExactWithEveryStage) {
  std::mt19937 rng(404);
  int stages = 0;
  for (int trial = 0; trial < 30; ++trial) {
    Graph graph = random_pool_chain(rng);
    fill_random_weights(graph, static_cast<uint32_t>(trial + 1));
    const std::vector<int8_t> input = random_input(graph, static_cast<uint32_t>(trial));
    stages += run_every_stage(graph, input, "pool chain " + std::to_string(trial), false);
    if (HasFailure()) return;
  }
  EXPECT_GT(stages, 100);
}

TEST(StreamedSchedule, ImportedStreamedModelReportsItsOwnPlan) {
  const Graph graph = mcunet_in3();
  const MemoryPlan plan = plan_with(graph, Schedule::kStreamed);
  ASSERT_FALSE(plan.streamed_stages.empty());
  const LoadedModel model(write_model(graph, plan), "mcunet-in3 streamed");
  const ImportedModel imported = import_model(model.view());
  EXPECT_EQ(imported.plan.schedule, Schedule::kStreamed);
  ASSERT_EQ(imported.plan.streamed_stages.size(), plan.streamed_stages.size());
  for (size_t s = 0; s < plan.streamed_stages.size(); ++s) {
    EXPECT_EQ(imported.plan.streamed_stages[s].first, plan.streamed_stages[s].first) << s;
    EXPECT_EQ(imported.plan.streamed_stages[s].last, plan.streamed_stages[s].last) << s;
  }
  EXPECT_EQ(imported.plan.ring_rows, plan.ring_rows);
  EXPECT_EQ(imported.plan.first_use, plan.first_use);
  EXPECT_EQ(imported.plan.last_use, plan.last_use);
}

TEST(StreamedSchedule, McunetIn3StreamedRunsBitExactWithinItsArena) {
  const Graph graph = mcunet_in3();
  const std::vector<int8_t> input = random_input(graph, 5);
  const MemoryPlan plain = plan_with(graph, Schedule::kPlain);
  const MemoryPlan streamed = plan_with(graph, Schedule::kStreamed);
  const MemoryPlan automatic = plan_with(graph, Schedule::kAuto);
  std::cout << "mcunet-in3 peak SRAM: plain " << plain.peak_sram_bytes() << ", streamed "
            << streamed.peak_sram_bytes() << " (" << streamed.streamed_stages.size()
            << " stages from op 0, arena " << streamed.arena_bytes << " + scratch "
            << streamed.scratch_bytes << "), auto at 10% " << automatic.peak_sram_bytes() << " ("
            << schedule_name(automatic.schedule) << ", MAC overhead " << automatic.mac_overhead
            << " of " << graph_macs(graph) << ")\n";
  EXPECT_EQ(streamed.mac_overhead, 0);
  EXPECT_LT(streamed.peak_sram_bytes(), plain.peak_sram_bytes());
  EXPECT_LE(automatic.peak_sram_bytes(), streamed.peak_sram_bytes());
  EXPECT_LE(automatic.peak_sram_bytes(), kMcunetIn3AutoPeakGolden);
  EXPECT_LE(automatic.mac_overhead, graph_macs(graph) / 10);
  const std::vector<int8_t> expected = run_plan(graph, plain, input, "mcunet-in3 plain");
  EXPECT_EQ(run_plan(graph, streamed, input, "mcunet-in3 streamed"), expected);
  EXPECT_EQ(run_plan(graph, automatic, input, "mcunet-in3 auto"), expected);
}

TEST(StreamedSchedule, AutoNeverExceedsItsMacOverheadLimit) {
  std::mt19937 rng(10);
  testing::RandomSpecLimits limits;
  limits.min_resolution = 9;
  limits.max_resolution = 40;
  limits.max_channels = 12;
  limits.max_blocks = 5;
  limits.max_expand_ratio = 4;
  for (int trial = 0; trial < 12; ++trial) {
    const NetworkSpec spec = testing::random_network_spec(rng, limits);
    const Graph graph = build_graph(spec);
    const int64_t macs = graph_macs(graph);
    int64_t peak_without_overhead = -1;
    for (double limit : {0.0, 0.02, 0.1, 0.5, 5.0}) {
      PlannerOptions options;
      options.schedule = Schedule::kAuto;
      options.max_mac_overhead = limit;
      const MemoryPlan plan = plan_memory(graph, options);
      EXPECT_LE(plan.mac_overhead, static_cast<int64_t>(limit * static_cast<double>(macs)))
          << "trial " << trial << " limit " << limit;
      // The front: by peak, each point with fewer extra MACs than every point of smaller peak.
      ASSERT_FALSE(plan.pareto_front.empty());
      for (size_t k = 1; k < plan.pareto_front.size(); ++k) {
        EXPECT_GT(plan.pareto_front[k].peak_sram_bytes, plan.pareto_front[k - 1].peak_sram_bytes);
        EXPECT_LT(plan.pareto_front[k].mac_overhead, plan.pareto_front[k - 1].mac_overhead);
      }
      // The chosen plan is the smallest peak of the front's points within the limit.
      for (const PlanCandidate& point : plan.pareto_front) {
        if (point.within_limit) {
          EXPECT_LE(plan.peak_sram_bytes(), point.peak_sram_bytes) << trial;
        }
      }
      // No recomputation allowed: only plain, fused and streamed plans; any looser limit adds
      // candidates, so it never gives a larger peak.
      if (limit == 0.0) peak_without_overhead = plan.peak_sram_bytes();
      EXPECT_LE(plan.peak_sram_bytes(), peak_without_overhead) << trial;
    }
  }
}

}  // namespace
}  // namespace tinynas::compiler
