// The planner, writer and schedules with what TFLite models carry: random chains of kh x kw
// windows with unequal strides, SAME padding with the extra row / column at the bottom / right,
// VALID padding and depth multipliers run bit-exact under the plain, fused, patch and auto
// schedules; the version-2 ops in one network run bit-exact with the kernels called directly;
// views alias their input's bytes, and in-place depthwise waits until no view of its input is
// read any more.
#include <gtest/gtest.h>

#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/compiler/graph_builder.h"
#include "engine/compiler/graph_validation.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/memory_report.h"
#include "engine/compiler/model_file.h"
#include "engine/compiler/model_import.h"
#include "engine/compiler/model_writer.h"
#include "engine/compiler/patch_planner.h"
#include "tests/engine/compiler/model_test_graphs.h"
#include "tests/engine/compiler/plan_execution.h"
#include "tests/engine/compiler/random_network.h"

namespace tinynas::compiler {
namespace {

using testing::plan_with;
using testing::random_input;
using testing::run_plan;

TEST(TfliteGeometry, RandomWindowGraphsRunBitExactUnderEverySchedule) {
  std::mt19937 rng(1717);
  int fused_groups = 0, patch_stages = 0, multipliers = 0, unequal_windows = 0;
  for (int trial = 0; trial < 40; ++trial) {
    Graph graph = testing::random_window_graph(rng);
    fill_random_weights(graph, static_cast<uint32_t>(trial + 1));
    for (const Op& op : graph.ops) {
      if (op.kind == OpKind::kDepthwiseConv2d &&
          graph.tensors[op.output].shape.c != graph.tensors[op.inputs[0]].shape.c) {
        ++multipliers;
      }
      if (op.kernel_h != op.kernel_w || op.stride_h != op.stride_w || op.pad_top != op.pad_bottom ||
          op.pad_left != op.pad_right) {
        ++unequal_windows;
      }
    }
    const std::vector<int8_t> input = random_input(graph, static_cast<uint32_t>(trial));
    const std::string label = "random window graph " + std::to_string(trial);
    const std::vector<int8_t> plain =
        run_plan(graph, plan_with(graph, Schedule::kPlain, {}, false), input, label + " plain");
    EXPECT_EQ(run_plan(graph, plan_with(graph, Schedule::kPlain), input, label + " in place"),
              plain);
    const MemoryPlan fused = plan_with(graph, Schedule::kFused);
    fused_groups += static_cast<int>(find_fused_groups(graph).size());
    EXPECT_EQ(run_plan(graph, fused, input, label + " fused"), plain);
    for (int split : find_patch_splits(graph)) {
      const std::vector<int> grids = patch_grids(graph, split);
      for (size_t g = 0; g < grids.size(); g += 3) {
        const std::string case_label =
            label + " split " + std::to_string(split) + " grid " + std::to_string(grids[g]);
        EXPECT_EQ(run_plan(graph, plan_with(graph, Schedule::kPatch, {grids[g], split}), input,
                           case_label),
                  plain)
            << case_label;
        ++patch_stages;
      }
    }
    EXPECT_EQ(run_plan(graph, plan_with(graph, Schedule::kAuto), input, label + " auto"), plain);
    EXPECT_EQ(run_plan(graph, plan_with(graph, Schedule::kAuto, {}, true, true), input,
                       label + " auto, scratch in arena"),
              plain);
    if (HasFailure()) FAIL() << label;
  }
  EXPECT_GT(fused_groups, 5);
  EXPECT_GT(patch_stages, 40);
  EXPECT_GT(multipliers, 5);
  EXPECT_GT(unequal_windows, 20);
}

TEST(TfliteOps, NetworkRunsBitExactWithTheKernelsUnderEverySchedule) {
  const Graph graph = testing::make_tflite_ops_graph();
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    const std::vector<int8_t> input = random_input(graph, seed);
    const std::vector<int8_t> expected = testing::run_reference(graph, input);
    for (Schedule schedule : {Schedule::kPlain, Schedule::kFused, Schedule::kAuto}) {
      for (bool scratch_in_arena : {false, true}) {
        const std::string label = std::string(schedule_name(schedule)) +
                                  (scratch_in_arena ? " scratch in arena" : "") + " seed " +
                                  std::to_string(seed);
        EXPECT_EQ(
            run_plan(graph, plan_with(graph, schedule, {}, true, scratch_in_arena), input, label),
            expected)
            << label;
      }
    }
    EXPECT_EQ(run_plan(graph, testing::make_sequential_plan(graph, false), input, "sequential"),
              expected);
  }
}

TEST(TfliteOps, WrittenAsVersion2WithRealEdgesAndReadBack) {
  const Graph graph = testing::make_tflite_ops_graph();
  const LoadedModel model(write_model(graph, plan_memory(graph)), "tflite ops");
  EXPECT_EQ(model.view().version(), 2);
  EXPECT_TRUE(model.view().real_input());
  EXPECT_TRUE(model.view().real_output());
  const ImportedModel imported = import_model(model.view());
  ASSERT_EQ(imported.graph.ops.size(), graph.ops.size());
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    EXPECT_EQ(imported.graph.ops[i].kind, graph.ops[i].kind) << i;
    EXPECT_EQ(imported.graph.ops[i].inputs, graph.ops[i].inputs) << i;
  }
  EXPECT_TRUE(imported.graph.real_input);
  EXPECT_TRUE(imported.graph.real_output);
  // The flash estimate counts the concatenation's input table.
  EXPECT_EQ(model_file_bytes(graph), static_cast<int64_t>(model.size()));
}

// conv -> [reshape] -> conv: the view costs no arena byte and sits on its input.
Graph conv_view_conv(bool with_view) {
  testing::TestRandom random(3);
  Graph g;
  g.input = testing::add_activation(g, "input", 6, 6, 4, 0.05f, 0);
  const int a = testing::add_activation(g, "a", 6, 6, 8, 0.05f, 0);
  Op first;
  first.kind = OpKind::kConv2d;
  first.name = "first";
  first.inputs = {g.input};
  first.weights = testing::add_weights(g, random, "first.w", {8, 1, 1, 4}, 8);
  first.output = a;
  g.add_op(first);
  int x = a;
  if (with_view) {
    x = testing::add_activation(g, "view", 12, 3, 8, 0.05f, 0);
    Op view;
    view.kind = OpKind::kReshape;
    view.name = "view";
    view.inputs = {a};
    view.output = x;
    g.add_op(view);
  }
  const TensorShape& shape = g.tensors[x].shape;
  Op second;
  second.kind = OpKind::kConv2d;
  second.name = "second";
  second.inputs = {x};
  second.weights = testing::add_weights(g, random, "second.w", {5, 1, 1, 8}, 5);
  second.output = testing::add_activation(g, "out", shape.h, shape.w, 5, 0.05f, 0);
  g.add_op(second);
  g.output = second.output;
  return g;
}

TEST(Views, AliasTheirInputAndCostNothing) {
  const Graph viewed = conv_view_conv(true);
  const MemoryPlan plan = plan_memory(viewed);
  EXPECT_EQ(plan.offsets[viewed.ops[1].output], plan.offsets[viewed.ops[1].inputs[0]]);
  EXPECT_EQ(plan.arena_bytes, plan_memory(conv_view_conv(false)).arena_bytes);
  EXPECT_EQ(plan.op_scratch[1], 0);
  const std::vector<int8_t> input = random_input(viewed, 9);
  EXPECT_EQ(run_plan(viewed, plan, input, "view"), testing::run_reference(viewed, input));
}

// conv A -> reshape B (same shape) -> depthwise(B, in place allowed) -> C, and (when `reread`)
// add(A, C): A's bytes are B's, so the depthwise may overwrite them only if A dies with B.
Graph view_then_depthwise(bool reread) {
  testing::TestRandom random(4);
  Graph g;
  g.input = testing::add_activation(g, "input", 5, 5, 4, 0.05f, 0);
  const int a = testing::add_activation(g, "a", 5, 5, 4, 0.05f, 0);
  const int b = testing::add_activation(g, "b", 5, 5, 4, 0.05f, 0);
  const int c = testing::add_activation(g, "c", 5, 5, 4, 0.05f, 0);
  Op conv;
  conv.kind = OpKind::kConv2d;
  conv.name = "conv";
  conv.inputs = {g.input};
  conv.weights = testing::add_weights(g, random, "conv.w", {4, 1, 1, 4}, 4);
  conv.output = a;
  g.add_op(conv);
  Op view;
  view.kind = OpKind::kReshape;
  view.name = "view";
  view.inputs = {a};
  view.output = b;
  g.add_op(view);
  Op depthwise;
  depthwise.kind = OpKind::kDepthwiseConv2d;
  depthwise.name = "depthwise";
  depthwise.inputs = {b};
  depthwise.weights = testing::add_weights(g, random, "depthwise.w", {1, 3, 3, 4}, 4);
  depthwise.kernel_h = depthwise.kernel_w = 3;
  depthwise.pad_top = depthwise.pad_left = depthwise.pad_bottom = depthwise.pad_right = 1;
  depthwise.allow_in_place = true;
  depthwise.output = c;
  g.add_op(depthwise);
  g.output = c;
  if (reread) {
    Op add;
    add.kind = OpKind::kAdd;
    add.name = "add";
    add.inputs = {a, c};
    add.output = testing::add_activation(g, "sum", 5, 5, 4, 0.08f, 0);
    g.add_op(add);
    g.output = add.output;
  }
  return g;
}

TEST(Views, InPlaceWaitsUntilNoViewOfTheInputIsRead) {
  const Graph dies = view_then_depthwise(false);
  EXPECT_TRUE(plan_memory(dies).in_place[2]);
  const Graph reread = view_then_depthwise(true);
  const MemoryPlan plan = plan_memory(reread);
  EXPECT_FALSE(plan.in_place[2]);
  const std::vector<int8_t> input = random_input(reread, 5);
  EXPECT_EQ(run_plan(reread, plan, input, "reread"), testing::run_reference(reread, input));
}

TEST(Views, TheWriterRefusesAnInPlaceOpOverALiveView) {
  const Graph reread = view_then_depthwise(true);
  const MemoryPlan plan = testing::make_sequential_plan(reread, true);  // in place regardless
  ASSERT_TRUE(plan.in_place[2]);
  try {
    write_model(reread, plan);
    FAIL() << "write_model accepted the depthwise overwriting a live view";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("op 2 (field 10)"), std::string::npos) << error.what();
  }
}

// expand 1x1 -> depthwise with multiplier 2 -> project 1x1: neither fused nor in place (both keep
// one channel per input channel), and bit-exact under every schedule.
TEST(DepthMultiplier, NeverFusedNorInPlace) {
  testing::TestRandom random(5);
  Graph g;
  g.input = testing::add_activation(g, "input", 7, 7, 3, 0.05f, 0);
  const int expanded = testing::add_activation(g, "expanded", 7, 7, 6, 0.05f, 0);
  const int depthwise_out = testing::add_activation(g, "depthwise", 7, 7, 12, 0.05f, 0);
  Op expand;
  expand.kind = OpKind::kConv2d;
  expand.name = "expand";
  expand.inputs = {g.input};
  expand.weights = testing::add_weights(g, random, "expand.w", {6, 1, 1, 3}, 6);
  expand.output = expanded;
  g.add_op(expand);
  Op depthwise;
  depthwise.kind = OpKind::kDepthwiseConv2d;
  depthwise.name = "depthwise";
  depthwise.inputs = {expanded};
  depthwise.weights = testing::add_weights(g, random, "depthwise.w", {1, 3, 3, 12}, 12);
  depthwise.kernel_h = depthwise.kernel_w = 3;
  depthwise.pad_top = depthwise.pad_left = depthwise.pad_bottom = depthwise.pad_right = 1;
  depthwise.allow_in_place = true;
  depthwise.output = depthwise_out;
  g.add_op(depthwise);
  Op project;
  project.kind = OpKind::kConv2d;
  project.name = "project";
  project.inputs = {depthwise_out};
  project.weights = testing::add_weights(g, random, "project.w", {4, 1, 1, 12}, 4);
  project.output = testing::add_activation(g, "out", 7, 7, 4, 0.05f, 0);
  g.add_op(project);
  g.output = project.output;
  EXPECT_TRUE(find_fused_groups(g).empty());
  // A depth multiplier is a version-2 feature.
  EXPECT_EQ(LoadedModel(write_model(g, plan_memory(g)), "multiplier").view().version(), 2);
  const std::vector<int8_t> input = random_input(g, 6);
  const std::vector<int8_t> expected = testing::run_reference(g, input);
  for (Schedule schedule : {Schedule::kPlain, Schedule::kFused, Schedule::kAuto}) {
    const MemoryPlan plan = plan_with(g, schedule);
    EXPECT_FALSE(plan.in_place[1]);
    EXPECT_FALSE(plan.op_fused(1));
    EXPECT_EQ(run_plan(g, plan, input, schedule_name(schedule)), expected);
  }
}

}  // namespace
}  // namespace tinynas::compiler
