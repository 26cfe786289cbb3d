// One validation for the planner and the writer: a graph validated once plans and writes exactly
// as the unvalidated entry points do, and each use checks what it needs.
#include "engine/compiler/graph_validation.h"

#include <gtest/gtest.h>

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
