// One validation for the planner and the writer: a graph validated once plans and writes exactly
// as the unvalidated entry points do, and each use checks what it needs.
#include "engine/compiler/graph_validation.h"

#include <gtest/gtest.h>

#include <functional>
#include <stdexcept>
#include <string>

#include "engine/compiler/graph_builder.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/model_writer.h"
#include "tests/engine/compiler/model_test_graphs.h"

namespace tinynas::compiler {
namespace {

std::string validation_error(const Graph& graph, GraphUse use) {
  try {
    validate_graph(graph, use, "test");
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "(no error)";
}

Graph with_orphan_activation() {
  Graph graph = testing::make_test_graph();
  testing::add_activation(graph, "unused", 2, 2, 2, 0.1f, 0);
  return graph;
}

TEST(GraphValidationTest, AValidGraphIsValidForEveryUse) {
  const Graph graph = testing::make_test_graph();
  for (GraphUse use :
       {GraphUse::kPlanning, GraphUse::kModelFile, GraphUse::kPlanningAndModelFile}) {
    const ValidatedGraph validated = validate_graph(graph, use);
    EXPECT_EQ(&validated.graph(), &graph);
    EXPECT_TRUE(validated.valid_for(use));
  }
  EXPECT_TRUE(validate_graph(graph).valid_for(GraphUse::kPlanning));
  EXPECT_TRUE(validate_graph(graph).valid_for(GraphUse::kModelFile));
  EXPECT_FALSE(validate_graph(graph, GraphUse::kPlanning).valid_for(GraphUse::kModelFile));
  EXPECT_FALSE(validate_graph(graph, GraphUse::kModelFile).valid_for(GraphUse::kPlanning));
}

TEST(GraphValidationTest, EachUseChecksWhatItNeeds) {
  // The planner needs every activation written; a model file may keep one nothing writes.
  const Graph orphan = with_orphan_activation();
  EXPECT_EQ(validation_error(orphan, GraphUse::kPlanning),
            "test: tensor 14 (unused) is an activation that no op produces");
  EXPECT_EQ(validation_error(orphan, GraphUse::kModelFile), "(no error)");
  EXPECT_EQ(validation_error(orphan, GraphUse::kPlanningAndModelFile),
            "test: tensor 14 'unused' is an activation that no op produces");

  // The file's limits matter to the file only.
  Graph wide = testing::make_test_graph();
  wide.tensors[1].scale = 0.0f;
  EXPECT_EQ(validation_error(wide, GraphUse::kPlanning), "(no error)");
  EXPECT_EQ(
      validation_error(wide, GraphUse::kModelFile).rfind("test: tensor 1 'stem' has scale", 0), 0u);
}

TEST(GraphValidationTest, DataflowIsCheckedForTheModelFileToo) {
  Graph graph = testing::make_test_graph();
  std::swap(graph.ops[1], graph.ops[2]);  // the depthwise conv before the expand conv it reads
  EXPECT_EQ(validation_error(graph, GraphUse::kModelFile),
            "test: op 1 'block.depthwise' reads tensor 2 'expand' before any op produces it");
}

TEST(GraphValidationTest, ValidatedGraphsPlanAndWriteLikeRawOnes) {
  const Graph graph = testing::make_test_graph();
  const ValidatedGraph validated = validate_graph(graph);
  for (Schedule schedule : {Schedule::kPlain, Schedule::kFused, Schedule::kAuto}) {
    PlannerOptions options;
    options.schedule = schedule;
    const MemoryPlan from_validated = plan_memory(validated, options);
    const MemoryPlan from_raw = plan_memory(graph, options);
    EXPECT_EQ(from_validated.offsets, from_raw.offsets);
    EXPECT_EQ(from_validated.arena_bytes, from_raw.arena_bytes);
    EXPECT_EQ(write_model(validated, from_validated), write_model(graph, from_raw));
  }
}

TEST(GraphValidationTest, APassValidatesWhatItsGraphWasNotValidatedFor) {
  Graph graph = testing::make_test_graph();
  graph.tensors[1].zero_point = 200;
  const ValidatedGraph for_planning = validate_graph(graph, GraphUse::kPlanning);
  const MemoryPlan plan = plan_memory(for_planning);
  try {
    write_model(for_planning, plan);
    ADD_FAILURE() << "write_model accepted a zero point of 200";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("write_model: tensor 1 'stem' has zero point 200"),
              std::string::npos)
        << error.what();
  }

  const Graph orphan = with_orphan_activation();
  EXPECT_THROW(plan_memory(validate_graph(orphan, GraphUse::kModelFile)), std::invalid_argument);
}

TEST(GraphValidationTest, BuiltGraphsAreValid) {
  NetworkSpec spec;
  spec.resolution = 32;
  spec.first_conv.out_channels = 8;
  spec.blocks.push_back(BlockSpec{8, 8, 3, 1, 16, true});
  spec.num_classes = 4;
  EXPECT_NO_THROW(validate_graph(build_graph(spec)));
}

}  // namespace
}  // namespace tinynas::compiler

namespace tinynas::compiler {
namespace {

// make_tflite_ops_graph(): op indices.
constexpr int kConvOp = 0, kPadOp = 1, kDepthwiseOp = 2, kPoolOp = 3, kConcatOp = 5;
constexpr int kReshapeOp = 6, kSoftmaxOp = 9;

std::string tflite_ops_error(const std::function<void(Graph&)>& mutate) {
  Graph graph = testing::make_tflite_ops_graph();
  mutate(graph);
  return validation_error(graph, GraphUse::kModelFile);
}

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(GraphValidationTest, TheVersion2NetworkIsValid) {
  EXPECT_EQ(tflite_ops_error([](Graph&) {}), "(no error)");
}

TEST(GraphValidationTest, RefusesWhatTheVersion2OpsCannotRun) {
  std::string e = tflite_ops_error([](Graph& g) { g.ops[kConvOp].dilation_w = 2; });
  EXPECT_TRUE(mentions(e, "op 0 'conv' has dilation 1x2 (only 1x1 is supported)")) << e;
  e = tflite_ops_error([](Graph& g) { g.ops[kPadOp].pad_right = 300; });
  EXPECT_TRUE(mentions(e, "each must be in [0, 255]")) << e;
  e = tflite_ops_error([](Graph& g) { g.ops[kReshapeOp].activation = Activation::kRelu; });
  EXPECT_TRUE(mentions(e, "has a fused activation, but a reshape takes none")) << e;
  e = tflite_ops_error([](Graph& g) { g.tensors[g.ops[kPoolOp].output].zero_point = 0; });
  EXPECT_TRUE(mentions(e, "a max_pool2d needs the same quantization in and out")) << e;
  e = tflite_ops_error([](Graph& g) { g.tensors[g.ops[kSoftmaxOp].output].scale = 0.01f; });
  EXPECT_TRUE(mentions(e, "an int8 softmax outputs scale 1/256 and zero point -128")) << e;
  e = tflite_ops_error([](Graph& g) { g.ops[kSoftmaxOp].beta = 0.0f; });
  EXPECT_TRUE(mentions(e, "softmax beta is")) << e;
  e = tflite_ops_error([](Graph& g) { g.ops[kConcatOp].inputs.pop_back(); });
  EXPECT_TRUE(mentions(e, "has 1 inputs (expected 2..16)")) << e;
  e = tflite_ops_error([](Graph& g) { g.ops[kConcatOp].inputs[1] = g.ops[kDepthwiseOp].output; });
  EXPECT_TRUE(mentions(e, "(only C may differ)")) << e;
  e = tflite_ops_error([](Graph& g) { g.tensors[g.ops[kReshapeOp].output].shape.c = 23; });
  EXPECT_TRUE(mentions(e, "a reshape keeps the element count")) << e;
  e = tflite_ops_error([](Graph& g) {  // the same 72 weights as 1 x 3 x 4 x 6
    g.tensors[g.ops[kDepthwiseOp].weights].shape = TensorShape{1, 3, 4, 6};
  });
  EXPECT_TRUE(mentions(e, "C_out a multiple of C_in")) << e;
}

}  // namespace
}  // namespace tinynas::compiler
