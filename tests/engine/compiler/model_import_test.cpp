// A .tnm back to the graph IR: what the file keeps comes back so exactly that the graph can be
// written again (a new classifier, a training model) into the same bytes.
#include "engine/compiler/model_import.h"

#include <gtest/gtest.h>

#include <string>

#include "engine/compiler/graph_builder.h"
#include "engine/compiler/memory_planner.h"
#include "engine/compiler/model_file.h"
#include "engine/compiler/model_writer.h"
#include "engine/compiler/net_config_import.h"
#include "engine/compiler/quantization.h"

namespace tinynas::compiler {
namespace {

TEST(ModelImport, WeightScalesAndActivationsComeBackAndWriteTheSameBytes) {
  const Graph graph = build_graph(
      load_net_config(std::string(TINYNAS_SOURCE_DIR) + "/configs/nets/mcunet-5fps.json"));
  const MemoryPlan plan = plan_memory(graph);
  const std::vector<uint8_t> bytes = write_model(graph, plan);
  const LoadedModel model(bytes, "mcunet-5fps");
  const ImportedModel imported = import_model(model.view());
  ASSERT_EQ(imported.graph.ops.size(), graph.ops.size());
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const Op& op = graph.ops[i];
    // The same clamp (a ReLU6 whose output range is [0, 6] clamps as no activation does).
    const Tensor& output = graph.tensors[static_cast<size_t>(op.output)];
    const ActivationRange want = activation_range(op.activation, output.scale, output.zero_point);
    const ActivationRange got =
        activation_range(imported.graph.ops[i].activation, output.scale, output.zero_point);
    EXPECT_EQ(got.min, want.min) << op.name;
    EXPECT_EQ(got.max, want.max) << op.name;
    if (op.weights < 0) continue;
    EXPECT_EQ(imported.graph.tensors[static_cast<size_t>(op.weights)].channel_scales,
              graph.tensors[static_cast<size_t>(op.weights)].channel_scales)
        << op.name;
  }
  EXPECT_EQ(write_model(imported.graph, plan_memory(imported.graph)), bytes);
}

}  // namespace
}  // namespace tinynas::compiler
