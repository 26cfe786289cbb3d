#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>

#include "engine/compiler/arch_json.h"
#include "engine/compiler/graph_builder.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/memory_report.h"
#include "engine/compiler/net_config_import.h"
#include "engine/runtime/kernels.h"
#include "tests/engine/compiler/random_network.h"

namespace tinynas::compiler {
namespace {

// MCUNet mcunet-in3 on TinyEngine: 242 kB peak SRAM. Its peak op is the 8 -> 24 expansion at
// 88x88: input 88*88*8 + output 88*88*24 = 247,808 bytes are live together, so no plan can do
// better, and ours must reach exactly that.
constexpr int64_t kMcunetIn3PeakTensorsBytes = 88 * 88 * 8 + 88 * 88 * 24;
constexpr int64_t kMcunetIn3SramBudget = 243 * 1024;  // 248,832 bytes
constexpr int64_t kMcunetIn3MaxScratch = 1024;

// Golden figures (TFLite Micro style): fail when a change makes the plans bigger. Lower them
// when the planner improves.
constexpr int64_t kGoldenMcunetIn3Arena = 247808;
constexpr int64_t kGoldenMcunetIn3ArenaWithoutInPlace = 340736;
constexpr int64_t kGoldenSampleFmnistArena = 12544;

std::string source_path(const std::string& relative) {
  return std::string(TINYNAS_SOURCE_DIR) + "/" + relative;
}

const Graph& mcunet_in3() {
  static const Graph graph = [] {
    BuildOptions options;
    options.random_weights = false;  // the planner only needs the structure
    return build_graph(load_net_config(source_path("configs/nets/mcunet-in3.json")), options);
  }();
  return graph;
}

PlannerOptions with_in_place(bool in_place) {
  PlannerOptions options;
  options.in_place_depthwise = in_place;
  return options;
}

// Disjoint-set over tensors joined by in-place ops (they share an offset by construction).
std::vector<int> in_place_groups(const Graph& graph, const MemoryPlan& plan) {
  std::vector<int> group(graph.tensors.size());
  std::iota(group.begin(), group.end(), 0);
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    if (plan.in_place[i]) group[graph.ops[i].output] = group[graph.ops[i].inputs[0]];
  }
  return group;
}

// Every property a plan must have; returns the lower bound max-live-bytes.
int64_t check_plan(const Graph& graph, const MemoryPlan& plan, const PlannerOptions& options) {
  const int tensors = static_cast<int>(graph.tensors.size());
  const int ops = static_cast<int>(graph.ops.size());
  EXPECT_EQ(plan.offsets.size(), graph.tensors.size());
  EXPECT_EQ(plan.in_place.size(), graph.ops.size());
  EXPECT_EQ(plan.per_op.size(), graph.ops.size());

  // Lifetimes follow the schedule.
  std::vector<int> first(tensors, -1), last(tensors, -1);
  for (int i = 0; i < ops; ++i) {
    first[graph.ops[i].output] = i;
    last[graph.ops[i].output] = i;
  }
  for (int i = 0; i < ops; ++i) {
    for (int input : graph.ops[i].inputs) last[input] = std::max(last[input], i);
  }
  last[graph.output] = ops - 1;
  for (int t = 0; t < tensors; ++t) {
    if (graph.tensors[t].is_constant) {
      EXPECT_EQ(plan.offsets[t], -1);
      continue;
    }
    EXPECT_EQ(plan.first_use[t], first[t]) << graph.tensors[t].name;
    EXPECT_EQ(plan.last_use[t], last[t]) << graph.tensors[t].name;
  }
  EXPECT_EQ(plan.first_use[graph.input], -1);

  // In-place ops: the rules, and the shared offset.
  const std::vector<int> group = in_place_groups(graph, plan);
  auto root = [&](int t) {
    while (group[t] != t) t = group[t];
    return t;
  };
  for (int i = 0; i < ops; ++i) {
    const Op& op = graph.ops[i];
    if (!plan.in_place[i]) continue;
    EXPECT_TRUE(options.in_place_depthwise);
    EXPECT_EQ(op.kind, OpKind::kDepthwiseConv2d);
    EXPECT_TRUE(op.allow_in_place);
    EXPECT_EQ(plan.last_use[op.inputs[0]], i) << "in-place op " << op.name << " kills a live input";
    EXPECT_EQ(plan.offsets[op.output], plan.offsets[op.inputs[0]]);
    EXPECT_LE(graph.tensors[op.output].bytes(), graph.tensors[op.inputs[0]].bytes());
  }

  // Inside the arena; the arena ends at the highest tensor end.
  int64_t highest_end = 0;
  for (int t = 0; t < tensors; ++t) {
    if (graph.tensors[t].is_constant) continue;
    EXPECT_GE(plan.offsets[t], 0);
    EXPECT_LE(plan.offsets[t] + graph.tensors[t].bytes(), plan.arena_bytes);
    highest_end = std::max(highest_end, plan.offsets[t] + graph.tensors[t].bytes());
  }
  EXPECT_EQ(plan.arena_bytes, highest_end);

  // No two tensors alive at the same time overlap (in-place partners excepted).
  for (int a = 0; a < tensors; ++a) {
    if (graph.tensors[a].is_constant) continue;
    for (int b = a + 1; b < tensors; ++b) {
      if (graph.tensors[b].is_constant || root(a) == root(b)) continue;
      const bool together = first[a] <= last[b] && first[b] <= last[a];
      const bool overlap = plan.offsets[a] < plan.offsets[b] + graph.tensors[b].bytes() &&
                           plan.offsets[b] < plan.offsets[a] + graph.tensors[a].bytes();
      EXPECT_FALSE(together && overlap)
          << graph.tensors[a].name << " [" << plan.offsets[a] << ", +" << graph.tensors[a].bytes()
          << ") and " << graph.tensors[b].name << " [" << plan.offsets[b] << ", +"
          << graph.tensors[b].bytes() << ") are live together";
    }
  }

  // Live bytes per op (an in-place pair counts once) and the lower bound they give.
  int64_t max_live = 0;
  for (int i = 0; i < ops; ++i) {
    std::vector<int64_t> group_bytes(tensors, 0);
    for (int t = 0; t < tensors; ++t) {
      if (graph.tensors[t].is_constant || first[t] > i || last[t] < i) continue;
      group_bytes[root(t)] = std::max(group_bytes[root(t)], graph.tensors[t].bytes());
    }
    const int64_t live = std::accumulate(group_bytes.begin(), group_bytes.end(), int64_t{0});
    EXPECT_EQ(plan.per_op[i].live_bytes, live) << graph.ops[i].name;
    max_live = std::max(max_live, live);
  }
  EXPECT_GE(plan.arena_bytes, max_live);

  // One shared scratch buffer sized by the largest need.
  int64_t max_scratch = 0;
  for (int i = 0; i < ops; ++i) max_scratch = std::max(max_scratch, plan.op_scratch[i]);
  EXPECT_EQ(plan.scratch_bytes, max_scratch);
  EXPECT_EQ(plan.peak_sram_bytes(), plan.arena_bytes + plan.scratch_bytes);
  return max_live;
}

TEST(MemoryPlanner, McunetIn3FitsTinyEnginesBudgetWithInPlaceDepthwise) {
  const Graph& graph = mcunet_in3();
  const MemoryPlan plan = plan_memory(graph, with_in_place(true));
  check_plan(graph, plan, with_in_place(true));
  EXPECT_EQ(plan.arena_bytes, kMcunetIn3PeakTensorsBytes);
  EXPECT_LE(plan.scratch_bytes, kMcunetIn3MaxScratch);
  EXPECT_LE(plan.peak_sram_bytes(), kMcunetIn3SramBudget);
  // The largest in-place scratch: the 7x7 depthwise of blocks.1 over 88 columns.
  EXPECT_EQ(plan.scratch_bytes, 7 * 88);
  std::cout << format_memory_report(make_memory_report(graph, plan));
}

TEST(MemoryPlanner, McunetIn3WithoutInPlaceNeedsMuchMore) {
  const Graph& graph = mcunet_in3();
  const MemoryPlan with = plan_memory(graph, with_in_place(true));
  const MemoryPlan without = plan_memory(graph, with_in_place(false));
  const int64_t lower_bound = check_plan(graph, without, with_in_place(false));
  for (bool in_place : without.in_place) EXPECT_FALSE(in_place);
  // The peak moves to blocks.2's depthwise: the residual input 44x44x16 stays live beside the
  // 44x44x80 expansion and the 44x44x80 depthwise output. The plan reaches that bound.
  EXPECT_EQ(lower_bound, 44 * 44 * 16 + 2 * 44 * 44 * 80);
  EXPECT_EQ(without.arena_bytes, lower_bound);
  EXPECT_GT(without.peak_sram_bytes(), kMcunetIn3SramBudget);
  std::cout << "mcunet-in3 peak SRAM: " << with.peak_sram_bytes() << " B with in-place depthwise, "
            << without.peak_sram_bytes() << " B without\n";
}

TEST(MemoryPlanner, GoldenArenaSizesDoNotGrow) {
  EXPECT_LE(plan_memory(mcunet_in3(), with_in_place(true)).arena_bytes, kGoldenMcunetIn3Arena);
  EXPECT_LE(plan_memory(mcunet_in3(), with_in_place(false)).arena_bytes,
            kGoldenMcunetIn3ArenaWithoutInPlace);
  const Graph fmnist =
      build_graph(load_arch_file(source_path("configs/nets/sample-fmnist.arch.json")));
  EXPECT_LE(plan_memory(fmnist).arena_bytes, kGoldenSampleFmnistArena);
}

// A chain input -> conv -> depthwise -> conv, built by hand.
struct SmallChain {
  Graph graph;
  int depthwise = -1;
};

SmallChain small_chain(int depthwise_stride, bool keep_depthwise_input) {
  SmallChain chain;
  Graph& g = chain.graph;
  auto activation = [&](const std::string& name, TensorShape shape) {
    Tensor tensor;
    tensor.name = name;
    tensor.shape = shape;
    return g.add_tensor(tensor);
  };
  auto constant = [&](const std::string& name, TensorShape shape) {
    Tensor tensor;
    tensor.name = name;
    tensor.shape = shape;
    tensor.is_constant = true;
    return g.add_tensor(tensor);
  };
  g.input = activation("input", {1, 10, 10, 4});
  Op expand;
  expand.name = "expand";
  expand.inputs = {g.input};
  expand.weights = constant("expand.weight", {8, 1, 1, 4});
  expand.output = activation("expand", {1, 10, 10, 8});
  g.add_op(expand);
  Op depthwise;
  depthwise.kind = OpKind::kDepthwiseConv2d;
  depthwise.name = "depthwise";
  depthwise.inputs = {expand.output};
  depthwise.weights = constant("depthwise.weight", {1, 3, 3, 8});
  depthwise.kernel_h = depthwise.kernel_w = 3;
  depthwise.stride_h = depthwise.stride_w = depthwise_stride;
  depthwise.pad_top = depthwise.pad_left = 1;
  const int out_size = depthwise_stride == 1 ? 10 : 5;
  depthwise.output = activation("depthwise", {1, out_size, out_size, 8});
  depthwise.allow_in_place = true;
  chain.depthwise = g.add_op(depthwise);
  Op project;
  project.name = "project";
  project.inputs = {depthwise.output};
  project.weights = constant("project.weight", {4, 1, 1, 8});
  project.output = activation("project", {1, out_size, out_size, 4});
  g.add_op(project);
  g.output = project.output;
  if (keep_depthwise_input) {
    // A later op still reads the expansion: the depthwise must not overwrite it.
    Op later;
    later.name = "later";
    later.inputs = {expand.output};
    later.weights = constant("later.weight", {2, 1, 1, 8});
    later.output = activation("later", {1, 10, 10, 2});
    g.add_op(later);
    g.output = later.output;
  }
  return chain;
}

TEST(MemoryPlanner, LifetimesSpanTheSchedule) {
  const SmallChain chain = small_chain(1, true);
  const MemoryPlan plan = plan_memory(chain.graph);
  check_plan(chain.graph, plan, {});
  const Graph& g = chain.graph;
  EXPECT_EQ(plan.first_use[g.input], -1);  // born before op 0
  EXPECT_EQ(plan.last_use[g.input], 0);
  EXPECT_EQ(plan.first_use[g.ops[0].output], 0);
  EXPECT_EQ(plan.last_use[g.ops[0].output], 3);  // read by "later"
  EXPECT_EQ(plan.last_use[g.output], 3);
  EXPECT_EQ(plan.offsets[g.ops[0].weights], -1);
  EXPECT_FALSE(plan.in_place[chain.depthwise]);  // its input is needed by "later"
  EXPECT_EQ(plan.per_op[1].live_tensors, (std::vector<int>{g.ops[0].output, g.ops[1].output}));
}

TEST(MemoryPlanner, InPlaceDepthwiseSharesTheInputAndItsScratch) {
  for (int stride : {1, 2}) {
    const SmallChain chain = small_chain(stride, false);
    const Graph& g = chain.graph;
    const MemoryPlan plan = plan_memory(g);
    check_plan(g, plan, {});
    const Op& depthwise = g.ops[chain.depthwise];
    ASSERT_TRUE(plan.in_place[chain.depthwise]);
    EXPECT_TRUE(plan.per_op[chain.depthwise].in_place);
    EXPECT_EQ(plan.offsets[depthwise.output], plan.offsets[depthwise.inputs[0]]);
    const runtime::Shape input_shape{1, 10, 10, 8};
    const runtime::Shape filter_shape{1, 3, 3, 8};
    EXPECT_EQ(plan.op_scratch[chain.depthwise],
              runtime::depthwise_conv2d_s8_in_place_get_buffer_size(input_shape, filter_shape));
    EXPECT_EQ(plan.op_scratch[chain.depthwise], 3 * 10);  // kernel_h * input_w
    // 10x10x8 expansion + 10x10x4 input at op 0 is the peak.
    EXPECT_EQ(plan.arena_bytes, 800 + 400);

    const MemoryPlan off = plan_memory(g, with_in_place(false));
    EXPECT_FALSE(off.in_place[chain.depthwise]);
    EXPECT_EQ(off.op_scratch[chain.depthwise],
              runtime::depthwise_conv2d_s8_get_buffer_size(input_shape, filter_shape));
    // Stride 1: input and output of the depthwise (800 B each) would be live together.
    if (stride == 1) {
      EXPECT_EQ(off.arena_bytes, 800 + 800);
    }
  }
}

TEST(MemoryPlanner, DepthwiseWithoutPermissionIsNotInPlace) {
  SmallChain chain = small_chain(1, false);
  chain.graph.ops[chain.depthwise].allow_in_place = false;
  EXPECT_FALSE(plan_memory(chain.graph).in_place[chain.depthwise]);
}

std::string plan_error(const Graph& graph) {
  try {
    plan_memory(graph);
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(MemoryPlanner, MalformedGraphsNameTheOpOrTensor) {
  SmallChain chain = small_chain(1, false);
  Graph g = chain.graph;
  g.ops[2].inputs = {g.ops[2].output + 7};
  EXPECT_EQ(plan_error(g), "plan_memory: op 2 (project) reads missing tensor 13");

  g = chain.graph;
  std::swap(g.ops[1], g.ops[2]);  // project before the depthwise it reads
  EXPECT_EQ(plan_error(g),
            "plan_memory: op 1 (project) reads tensor 4 (depthwise) before any op produces it");

  g = chain.graph;
  g.ops[1].output = g.ops[0].output;
  EXPECT_EQ(plan_error(g).rfind("plan_memory: op 1 (depthwise) writes tensor 2 (expand), which "
                                "already exists",
                                0),
            0u);

  g = chain.graph;
  g.ops[1].inputs = {g.ops[1].weights};
  EXPECT_EQ(plan_error(g),
            "plan_memory: op 1 (depthwise) reads constant tensor 3 "
            "(depthwise.weight) as an activation");

  g = chain.graph;
  g.ops[0].kind = OpKind::kAdd;
  EXPECT_EQ(plan_error(g), "plan_memory: op 0 (expand) has 1 inputs, expected 2");

  g = chain.graph;
  g.ops[0].weights = g.input;
  EXPECT_EQ(plan_error(g),
            "plan_memory: op 0 (expand): weights tensor 0 (input) is not a constant tensor");

  g = chain.graph;
  g.output = 99;
  EXPECT_EQ(plan_error(g), "plan_memory: graph output tensor 99 is not a tensor of the graph");

  g = chain.graph;
  Tensor orphan;
  orphan.name = "orphan";
  g.add_tensor(orphan);
  EXPECT_EQ(plan_error(g), "plan_memory: tensor 7 (orphan) is an activation that no op produces");

  g = chain.graph;
  g.tensors[g.ops[1].output].shape.c = 0;
  EXPECT_EQ(plan_error(g), "plan_memory: tensor 4 (depthwise) has a non-positive dimension");

  g = chain.graph;
  g.ops.clear();
  EXPECT_EQ(plan_error(g), "plan_memory: the graph has no ops");
}

struct FragmentationStats {
  int plans = 0;
  int tight = 0;  // arena == lower bound
  double sum = 0.0;
  double worst = 0.0;
  void add(int64_t arena, int64_t lower_bound) {
    const double fragmentation = 1.0 - static_cast<double>(lower_bound) / arena;
    ++plans;
    tight += arena == lower_bound ? 1 : 0;
    sum += fragmentation;
    worst = std::max(worst, fragmentation);
  }
  void print(const std::string& what) const {
    std::cout << what << ": " << plans << " plans, " << tight
              << " at the lower bound, fragmentation mean " << 100.0 * sum / plans << "%, worst "
              << 100.0 * worst << "%\n";
  }
};

TEST(MemoryPlannerProperties, RandomNetworks) {
  std::mt19937 rng(2024);
  FragmentationStats stats;
  for (int trial = 0; trial < 300; ++trial) {
    const NetworkSpec spec = testing::random_network_spec(rng);
    BuildOptions options;
    options.random_weights = false;
    const Graph graph = build_graph(spec, options);
    for (bool in_place : {true, false}) {
      const MemoryPlan plan = plan_memory(graph, with_in_place(in_place));
      const int64_t lower_bound = check_plan(graph, plan, with_in_place(in_place));
      stats.add(plan.arena_bytes, lower_bound);
      if (::testing::Test::HasFailure()) {
        FAIL() << "trial " << trial << " in_place " << in_place;
      }
    }
  }
  stats.print("random networks");
}

TEST(MemoryPlannerProperties, RandomDagsWithLongLivedTensors) {
  std::mt19937 rng(99);
  FragmentationStats stats;
  for (int trial = 0; trial < 300; ++trial) {
    const Graph graph = testing::random_dag(rng, testing::uniform_int(rng, 1, 30));
    for (bool in_place : {true, false}) {
      const MemoryPlan plan = plan_memory(graph, with_in_place(in_place));
      const int64_t lower_bound = check_plan(graph, plan, with_in_place(in_place));
      stats.add(plan.arena_bytes, lower_bound);
      if (::testing::Test::HasFailure()) {
        FAIL() << "trial " << trial << " in_place " << in_place;
      }
    }
  }
  stats.print("random DAGs");
}

}  // namespace
}  // namespace tinynas::compiler
