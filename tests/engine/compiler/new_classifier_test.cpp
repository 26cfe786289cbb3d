// A new classifier for a new task: the output op's classes replaced, everything before it kept.
#include "engine/compiler/new_classifier.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "engine/compiler/graph_builder.h"
#include "engine/compiler/graph_validation.h"
#include "engine/compiler/memory_planner.h"
#include "engine/compiler/model_writer.h"
#include "engine/compiler/net_config_import.h"

namespace tinynas::compiler {
namespace {

Graph mcunet_5fps() {
  return build_graph(
      load_net_config(std::string(TINYNAS_SOURCE_DIR) + "/configs/nets/mcunet-5fps.json"));
}

const Op& classifier(const Graph& graph) { return graph.ops.back(); }

TEST(NewClassifier, ReplacesTheOutputClassesAndKeepsEveryOtherOp) {
  const Graph original = mcunet_5fps();
  Graph graph = original;
  replace_classifier(graph, 5, 7);
  const Op& head = classifier(graph);
  const Tensor& weights = graph.tensors[static_cast<size_t>(head.weights)];
  EXPECT_EQ(weights.shape, (TensorShape{5, 1, 1, 160}));
  EXPECT_EQ(graph.tensors[static_cast<size_t>(graph.output)].shape.c, 5);
  EXPECT_EQ(head.bias, std::vector<int32_t>(5, 0));
  // One scale for every new channel: the median of the trained head's.
  std::vector<float> old_scales =
      original.tensors[static_cast<size_t>(classifier(original).weights)].channel_scales;
  std::sort(old_scales.begin(), old_scales.end());
  EXPECT_EQ(weights.channel_scales, std::vector<float>(5, old_scales[old_scales.size() / 2]));
  // Small, not all zero, within 1/sqrt(160) in real terms (one step of rounding).
  const auto [low, high] = std::minmax_element(weights.data.begin(), weights.data.end());
  EXPECT_LT(*low, 0);
  EXPECT_GT(*high, 0);
  const double bound = 1.0 / std::sqrt(160.0) + weights.channel_scales[0];
  EXPECT_LE(std::max(-*low, static_cast<int>(*high)) * weights.channel_scales[0], bound);
  // The output keeps the logits' quantization; the rest of the graph is untouched.
  EXPECT_EQ(graph.tensors[static_cast<size_t>(graph.output)].scale,
            original.tensors[static_cast<size_t>(original.output)].scale);
  for (size_t i = 0; i + 1 < graph.ops.size(); ++i) {
    EXPECT_EQ(graph.ops[i].bias, original.ops[i].bias) << graph.ops[i].name;
  }
  // It is a valid model, and seeded.
  EXPECT_NO_THROW(validate_graph(graph, GraphUse::kModelFile, "test"));
  EXPECT_FALSE(write_model(graph, plan_memory(graph)).empty());
  Graph again = original;
  replace_classifier(again, 5, 7);
  EXPECT_EQ(again.tensors[static_cast<size_t>(classifier(again).weights)].data, weights.data);
  Graph other = original;
  replace_classifier(other, 5, 8);
  EXPECT_NE(other.tensors[static_cast<size_t>(classifier(other).weights)].data, weights.data);
}

TEST(NewClassifier, RefusesOneClassAndAnOutputThatIsNoClassifier) {
  Graph graph = mcunet_5fps();
  EXPECT_THROW(replace_classifier(graph, 1, 1), std::invalid_argument);
  graph.output = graph.ops[graph.ops.size() - 2].output;  // the global pool's
  try {
    replace_classifier(graph, 5, 1);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("'pool'"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("not a fully connected"), std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace tinynas::compiler
