// Op features read from a real .tnm, the fit on synthetic per-op cycles with known cost laws,
// held-out error figures, and the JSON round trip.
#include "latency/latency_model.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "engine/compiler/graph_builder.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/memory_planner.h"
#include "engine/compiler/model_file.h"
#include "engine/compiler/model_writer.h"
#include "latency/op_features.h"
#include "tests/engine/compiler/model_test_graphs.h"

namespace tinynas::latency {
namespace {

// First conv 3x3 (1 -> 8 channels) on 8x8, one inverted residual block 8 -> 16 -> 8 with a
// shortcut, pooling, a 4-class classifier.
compiler::Graph small_graph(int resolution, int kernel, uint32_t seed) {
  compiler::NetworkSpec spec;
  spec.name = "latency-test";
  spec.resolution = resolution;
  spec.input_channels = 1;
  spec.first_conv.out_channels = 8;
  spec.first_conv.kernel_size = 3;
  spec.first_conv.stride = 1;
  compiler::BlockSpec block;
  block.in_channels = 8;
  block.out_channels = 8;
  block.kernel_size = kernel;
  block.stride = 1;
  block.mid_channels = 16;
  block.residual = true;
  spec.blocks = {block};
  spec.num_classes = 4;
  compiler::BuildOptions options;
  options.seed = seed;
  return compiler::build_graph(spec, options);
}

compiler::LoadedModel small_model(int resolution = 8, int kernel = 3, uint32_t seed = 1,
                                  compiler::Schedule schedule = compiler::Schedule::kPlain) {
  const compiler::Graph graph = small_graph(resolution, kernel, seed);
  compiler::PlannerOptions planner;
  planner.schedule = schedule;
  return compiler::LoadedModel(compiler::write_model(graph, compiler::plan_memory(graph, planner)),
                               "latency test model");
}

TEST(OpFeatures, AreReadFromTheModelFile) {
  const compiler::LoadedModel model = small_model();
  const std::vector<OpFeatures> ops = extract_op_features(model.view());
  ASSERT_EQ(ops.size(), 7u);  // conv, expand, depthwise, project, add, pool, classifier
  EXPECT_EQ(ops[0].op_class, "conv2d_k3_s1");
  EXPECT_EQ(ops[0].op_kind, "conv2d");
  EXPECT_EQ(ops[0].values[kMacs], 8 * 8 * 8 * 3 * 3 * 1);
  EXPECT_EQ(ops[0].values[kInputBytes], 8 * 8 * 1);
  EXPECT_EQ(ops[0].values[kOutputBytes], 8 * 8 * 8);
  EXPECT_EQ(ops[0].values[kWeightBytes], 8 * 3 * 3 * 1);
  EXPECT_EQ(ops[0].values[kOutputPixels], 64);
  EXPECT_EQ(ops[0].values[kKernelSize], 3);
  EXPECT_EQ(ops[0].values[kStride], 1);
  EXPECT_EQ(ops[0].values[kConstant], 1);
  EXPECT_EQ(ops[1].op_class, "conv2d_1x1");
  EXPECT_EQ(ops[1].values[kMacs], 8 * 8 * 16 * 8);
  EXPECT_EQ(ops[2].op_class.rfind("depthwise_conv2d_k3_s1", 0), 0u) << ops[2].op_class;
  EXPECT_EQ(ops[2].op_kind, "depthwise_conv2d");
  EXPECT_EQ(ops[2].values[kMacs], 8 * 8 * 16 * 9);
  EXPECT_EQ(ops[3].values[kMacs], 8 * 8 * 8 * 16);
  EXPECT_EQ(ops[4].op_class, "add");
  EXPECT_EQ(ops[4].values[kInputBytes], 2 * 8 * 8 * 8);
  EXPECT_EQ(ops[5].op_class, "global_average_pool");
  EXPECT_EQ(ops[5].values[kMacs], 8 * 8 * 8);
  EXPECT_EQ(ops[6].op_class, "fully_connected");
  EXPECT_EQ(ops[6].values[kMacs], 8 * 4);
  EXPECT_EQ(ops[6].values[kWeightBytes], 8 * 4);
}

// Every version-2 op has a class of its own; non-square windows name both sides.
TEST(OpFeatures, Version2OpsHaveClasses) {
  const compiler::Graph graph = compiler::testing::make_tflite_ops_graph();
  const compiler::LoadedModel model(compiler::write_model(graph, compiler::plan_memory(graph)),
                                    "version-2 ops");
  const std::vector<OpFeatures> ops = extract_op_features(model.view());
  const std::vector<std::string> classes = {
      "conv2d_k5x3_s2x1", "pad",        "depthwise_conv2d_k3x2_s1x2_multiplier",
      "max_pool2d_k2_s2", "quantize",   "concatenation",
      "reshape",          "mean_mode2", "fully_connected",
      "softmax"};
  ASSERT_EQ(ops.size(), classes.size());
  for (size_t i = 0; i < ops.size(); ++i) EXPECT_EQ(ops[i].op_class, classes[i]) << i;
  EXPECT_EQ(ops[5].values[kInputBytes], 2 * (2 * 3 * 12));  // both inputs of the concatenation
  EXPECT_EQ(ops[6].values[kMacs], 0);                       // a view runs nothing
  EXPECT_EQ(ops[6].values[kInputBytes], 0);
  EXPECT_EQ(ops[9].values[kMacs], 10);
}

// The board runs a fused block as one kernel on its first op: that op carries the whole block
// (a class of its own, MACs and weights of all three ops), the other two only a dispatch.
TEST(OpFeatures, AFusedBlockIsOneClassCarriedByItsFirstOp) {
  const compiler::LoadedModel plain = small_model();
  const compiler::LoadedModel fused = small_model(8, 5, 1, compiler::Schedule::kFused);
  const std::vector<OpFeatures> p = extract_op_features(plain.view());
  const std::vector<OpFeatures> f = extract_op_features(fused.view());
  ASSERT_EQ(f.size(), p.size());
  EXPECT_EQ(f[0].op_class, "conv2d_k3_s1");
  EXPECT_EQ(f[1].op_class, "inverted_residual_rows_k5_s1");
  EXPECT_EQ(f[1].op_kind, "inverted_residual_rows");
  const std::vector<OpFeatures> p5 = extract_op_features(small_model(8, 5).view());
  EXPECT_EQ(f[1].values[kMacs], p5[1].values[kMacs] + p5[2].values[kMacs] + p5[3].values[kMacs]);
  EXPECT_EQ(f[1].values[kWeightBytes],
            p5[1].values[kWeightBytes] + p5[2].values[kWeightBytes] + p5[3].values[kWeightBytes]);
  EXPECT_EQ(f[1].values[kInputBytes], 8 * 8 * 8);
  EXPECT_EQ(f[1].values[kOutputBytes], 8 * 8 * 8);
  EXPECT_EQ(f[1].values[kKernelSize], 5);
  for (int member : {2, 3}) {
    EXPECT_EQ(f[member].op_class, "inverted_residual_rows_member");
    EXPECT_EQ(f[member].values[kMacs], 0);
    EXPECT_EQ(f[member].values[kConstant], 1);
  }
  EXPECT_EQ(f[4].op_class, "add");
}

// The board charges a patch stage to op 0: op 0 carries the stage's MACs under a class per
// patch grid, the other stage ops only a dispatch; the ops after the split keep their classes.
TEST(OpFeatures, APatchStageIsOneClassCarriedByOp0) {
  const compiler::LoadedModel plain = small_model(16, 3);
  const compiler::LoadedModel patched = small_model(16, 3, 1, compiler::Schedule::kPatch);
  const runtime::ModelView& view = patched.view();
  ASSERT_GT(view.patch_grid(), 0);
  const std::vector<OpFeatures> p = extract_op_features(plain.view());
  const std::vector<OpFeatures> f = extract_op_features(view);
  ASSERT_EQ(f.size(), p.size());
  EXPECT_EQ(f[0].op_class, "patch_stage_g" + std::to_string(view.patch_grid()));
  EXPECT_EQ(f[0].op_kind, "patch_stage");
  double stage_macs = 0;
  for (uint16_t i = 0; i < view.patch_split(); ++i) stage_macs += p[i].values[kMacs];
  EXPECT_EQ(f[0].values[kMacs], stage_macs);
  for (uint16_t i = 1; i < view.patch_split(); ++i) {
    EXPECT_EQ(f[i].op_class, "patch_stage_member") << i;
  }
  for (size_t i = view.patch_split(); i < f.size(); ++i) {
    EXPECT_EQ(f[i].op_class, p[i].op_class) << i;
  }
}

// A streamed stage runs whole when its first op comes up: that op carries the stage's MACs (the
// plain schedule's: nothing is recomputed; the add counts one per output element) and the rows it
// computes, the other stage ops only a dispatch.
TEST(OpFeatures, AStreamedStageIsOneClassCarriedByItsFirstOp) {
  const compiler::LoadedModel plain = small_model(16, 3);
  const compiler::Graph graph = small_graph(16, 3, 1);
  const compiler::MemoryPlan plan = compiler::plan_schedule(
      compiler::validate_graph(graph, compiler::GraphUse::kPlanning, "test"), {}, {}, {},
      {{0, 4}});  // conv, expand, depthwise, project, add
  const compiler::LoadedModel streamed(compiler::write_model(graph, plan), "streamed");
  const std::vector<OpFeatures> p = extract_op_features(plain.view());
  const std::vector<OpFeatures> f = extract_op_features(streamed.view());
  ASSERT_EQ(f.size(), p.size());
  EXPECT_EQ(f[0].op_class, "streamed_stage_k3_s1");
  EXPECT_EQ(f[0].op_kind, "streamed_stage");
  double stage_macs = 0;
  for (int i = 0; i < 4; ++i) stage_macs += p[i].values[kMacs];
  stage_macs += 16 * 16 * 8;  // the add
  EXPECT_EQ(f[0].values[kMacs], stage_macs);
  EXPECT_EQ(f[0].values[kOutputPixels], 5 * 16);  // 16 rows of each of the 5 ops
  for (int i = 1; i <= 4; ++i) EXPECT_EQ(f[i].op_class, "streamed_stage_member") << i;
  for (size_t i = 5; i < f.size(); ++i) EXPECT_EQ(f[i].op_class, p[i].op_class) << i;
}

// A synthetic board: per class, cycles = 3 MACs + 0.5 output bytes + 200; overhead 1000 plus 50
// per op.
constexpr double kCyclesPerMac = 3.0;
constexpr double kCyclesPerOutputByte = 0.5;
constexpr double kCyclesPerOp = 200.0;
constexpr double kFixedOverhead = 1000.0;
constexpr double kOverheadPerOp = 50.0;

ModelMeasurement synthetic_measurement(const compiler::LoadedModel& model,
                                       double class_scale = 1.0) {
  const auto ops = extract_op_features(model.view());
  std::vector<uint32_t> per_op;
  uint64_t total = static_cast<uint64_t>(kFixedOverhead + kOverheadPerOp * ops.size());
  for (const auto& op : ops) {
    const double scale = op.op_kind == "depthwise_conv2d" ? class_scale : 1.0;
    const double cycles = scale * (kCyclesPerMac * op.values[kMacs] +
                                   kCyclesPerOutputByte * op.values[kOutputBytes] + kCyclesPerOp);
    per_op.push_back(static_cast<uint32_t>(cycles));
    total += per_op.back();
  }
  return make_measurement(model.origin(), ops, per_op, total);
}

std::vector<ModelMeasurement> synthetic_set(int first_seed, int count) {
  std::vector<ModelMeasurement> set;
  for (int i = 0; i < count; ++i) {
    const int resolution = 6 + (i % 7);
    const int kernel = 3 + 2 * (i % 3);
    set.push_back(synthetic_measurement(small_model(resolution, kernel, first_seed + i)));
  }
  return set;
}

TEST(LatencyModel, FitsAKnownCostLawAndPredictsHeldOutModels) {
  const LatencyModel model = fit_latency_model(synthetic_set(1, 30), "synthetic", "fw 1", 25000000);
  EXPECT_EQ(model.model_samples, 30);
  EXPECT_EQ(model.op_samples, 30 * 7);
  const OpClassModel& pointwise = model.classes.at("conv2d_1x1");
  EXPECT_NEAR(pointwise.coefficients[kMacs] + 0.0, kCyclesPerMac, 0.01);
  for (int f = 0; f < kFeatureCount; ++f) EXPECT_GE(pointwise.coefficients[f], 0.0);
  EXPECT_NEAR(model.overhead_fixed_cycles + 7 * model.overhead_cycles_per_op,
              kFixedOverhead + 7 * kOverheadPerOp, 2.0);
  const HoldoutReport report = evaluate_latency_model(model, synthetic_set(100, 10));
  EXPECT_EQ(report.models, 10);
  EXPECT_EQ(report.share_within_5_percent, 1.0);
  EXPECT_LT(report.max_abs_relative_error, 0.001);
}

TEST(LatencyModel, ReportsTheShareOfHeldOutModelsWithinFiveAndTenPercent) {
  const LatencyModel model = fit_latency_model(synthetic_set(1, 20), "synthetic", "fw 1", 1);
  // A board whose depthwise kernels are 30% slower than the calibrated one.
  std::vector<ModelMeasurement> slower;
  for (int i = 0; i < 4; ++i)
    slower.push_back(synthetic_measurement(small_model(8, 7, 50 + i), 1.3));
  const HoldoutReport report = evaluate_latency_model(model, slower);
  EXPECT_LT(report.share_within_5_percent, 1.0);
  EXPECT_GT(report.max_abs_relative_error, 0.05);
  for (double e : report.relative_errors) EXPECT_LT(e, 0.0);  // predicted too fast
}

TEST(LatencyModel, UnknownClassFallsBackToItsKindAndUnknownKindIsAnError) {
  LatencyModel model = fit_latency_model(synthetic_set(1, 10), "synthetic", "fw 1", 1);
  std::vector<OpFeatures> ops = extract_op_features(small_model().view());
  ops[2].op_class = "depthwise_conv2d_k9_s3";  // never seen; the kind answers
  EXPECT_GT(predict_latency(model, ops).per_op_cycles[2], 0.0);
  ops[2].op_kind = "transposed_conv";
  try {
    predict_latency(model, ops);
    FAIL();
  } catch (const LatencyModelError& e) {
    EXPECT_NE(std::string(e.what()).find("op 2"), std::string::npos) << e.what();
  }
}

TEST(LatencyModel, RoundTripsThroughJson) {
  LatencyModel model =
      fit_latency_model(synthetic_set(1, 10), "qemu-mps2-an386", "tinynas-runner 0.1.0", 25000000);
  model.holdout = evaluate_latency_model(model, synthetic_set(40, 3));
  const std::string path = ::testing::TempDir() + "/latency-model.json";
  save_latency_model(model, path);
  const LatencyModel back = load_latency_model(path);
  std::remove(path.c_str());
  EXPECT_EQ(to_json(back), to_json(model));
  EXPECT_EQ(back.board_kind, "qemu-mps2-an386");
  EXPECT_EQ(back.firmware_version, "tinynas-runner 0.1.0");
  EXPECT_EQ(back.model_samples, 10);
  ASSERT_TRUE(back.holdout.has_value());
  EXPECT_EQ(back.holdout->models, 3);
  const auto ops = extract_op_features(small_model().view());
  EXPECT_DOUBLE_EQ(predict_latency(back, ops).total_cycles,
                   predict_latency(model, ops).total_cycles);
}

TEST(LatencyModel, JsonErrorsNameTheField) {
  nlohmann::json json = to_json(fit_latency_model(synthetic_set(1, 5), "k", "fw", 1));
  json["op_classes"]["add"]["coefficients"]["macs"] = -1.0;
  try {
    latency_model_from_json(json, "model.json");
    FAIL();
  } catch (const LatencyModelError& e) {
    EXPECT_EQ(std::string(e.what()),
              "model.json: 1 error\n  op_classes.add.coefficients.macs: expected a number >= 0, "
              "found -1.0");
  }
  json = to_json(fit_latency_model(synthetic_set(1, 5), "k", "fw", 1));
  json.erase("board_kind");
  json["overhead"]["fixed_cycles"] = "many";
  try {
    latency_model_from_json(json, "model.json");
    FAIL();
  } catch (const LatencyModelError& e) {
    EXPECT_EQ(std::string(e.what()),
              "model.json: 2 errors\n  board_kind: expected a string, found missing\n"
              "  overhead.fixed_cycles: expected a number, found \"many\"");
  }
  EXPECT_THROW(load_latency_model("/nonexistent/latency.json"), LatencyModelError);
}

TEST(LatencyModel, MeasurementMustHaveOneCycleCountPerOp) {
  const auto ops = extract_op_features(small_model().view());
  EXPECT_THROW(make_measurement("m", ops, {1, 2}, 3), LatencyModelError);
}

}  // namespace
}  // namespace tinynas::latency
