// .tnm -> .tflite -> .tnm gives back the same bytes: the exporter keeps everything a model file
// holds (weights, biases, every requantization, clamps, shapes, op order) and the importer
// (tflite_import.h) reads it back into the same graph, which the planner lays out the same way.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/compiler/memory_plan.h"
#include "engine/compiler/model_writer.h"
#include "tests/engine/compiler/model_test_graphs.h"
#include "tests/tflite_convert/tnm_test_models.h"
#include "tflite/model_reader.h"
#include "tflite/model_writer.h"
#include "tflite_convert/tflite_export.h"
#include "tflite_convert/tflite_import.h"

namespace tinynas::tflite_convert {
namespace {

// The model through a .tflite file and back, planned with `options` as the original was.
std::vector<uint8_t> round_trip(const compiler::LoadedModel& model,
                                const compiler::PlannerOptions& options) {
  const std::vector<uint8_t> tflite_file = tflite::write_model(export_tflite(model.view()));
  const compiler::Graph imported = import_tflite(tflite::read_model(tflite_file));
  return compiler::write_model(imported, compiler::plan_memory(imported, options));
}

void expect_byte_identical(const compiler::Graph& graph, const compiler::PlannerOptions& options) {
  const compiler::LoadedModel model = testing::compile(graph, options);
  const std::vector<uint8_t> again = round_trip(model, options);
  ASSERT_EQ(again.size(), model.size());
  size_t first_difference = again.size();
  for (size_t i = 0; i < again.size() && first_difference == again.size(); ++i) {
    if (again[i] != model.data()[i]) first_difference = i;
  }
  EXPECT_EQ(first_difference, again.size()) << "first differing byte";
}

TEST(TnmTfliteRoundTripTest, RepositoryNetsAreByteIdentical) {
  for (const std::string& name : testing::repository_nets()) {
    SCOPED_TRACE(name);
    expect_byte_identical(testing::repository_net(name), {});
  }
}

TEST(TnmTfliteRoundTripTest, VersionTwoOperatorsAreByteIdentical) {
  expect_byte_identical(compiler::testing::make_tflite_ops_graph(), {});
}

}  // namespace
}  // namespace tinynas::tflite_convert
