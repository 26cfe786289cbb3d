// The last-k-layers baseline: the largest k whose training plan fits the budget.
#include "nas/search/last_layers_scheme.h"

#include <gtest/gtest.h>

#include "engine/compiler/graph_builder.h"
#include "nas/search/scheme_search.h"

namespace tinynas::nas {
namespace {

// first_conv, two blocks (expand, depthwise, project each), classifier: 8 layers with weights.
compiler::Graph small_graph() {
  compiler::NetworkSpec spec;
  spec.name = "small";
  spec.resolution = 12;
  spec.input_channels = 1;
  spec.first_conv = {8, 3, 2, compiler::Activation::kRelu6};
  compiler::BlockSpec block;
  block.in_channels = 8;
  block.out_channels = 8;
  block.mid_channels = 16;
  block.residual = true;
  spec.blocks = {block, block};
  spec.num_classes = 4;
  return compiler::build_graph(spec);
}

int64_t last_k_peak(const compiler::ValidatedGraph& graph, int k) {
  return compiler::plan_training_memory(graph, compiler::last_layers_scheme(graph.graph(), k))
      .plan.peak_sram_bytes();
}

TEST(LastLayersScheme, TakesTheLargestKWhosePlanFits) {
  const compiler::Graph graph = small_graph();
  const compiler::ValidatedGraph validated =
      compiler::validate_graph(graph, compiler::GraphUse::kPlanning, "test");
  const int layers = static_cast<int>(trainable_layer_names(graph).size());
  for (int budget_k = 1; budget_k <= layers; ++budget_k) {
    const int64_t budget = last_k_peak(validated, budget_k);
    const LastLayersScheme result = largest_last_layers_scheme(validated, budget);
    EXPECT_GE(result.k, budget_k);
    EXPECT_EQ(result.peak_sram_bytes, last_k_peak(validated, result.k));
    EXPECT_LE(result.peak_sram_bytes, budget);
    EXPECT_EQ(static_cast<int>(result.scheme.layers.size()), result.k);
    for (int k = result.k + 1; k <= layers; ++k) EXPECT_GT(last_k_peak(validated, k), budget);
  }
}

TEST(LastLayersScheme, BelowTheClassifierTheBiasAloneAndBelowThatAnError) {
  const compiler::Graph graph = small_graph();
  const compiler::ValidatedGraph validated =
      compiler::validate_graph(graph, compiler::GraphUse::kPlanning, "test");
  const int64_t minimum = compiler::minimum_training_bytes(validated);
  if (last_k_peak(validated, 1) > minimum) {
    const LastLayersScheme bias = largest_last_layers_scheme(validated, minimum);
    EXPECT_EQ(bias.k, 0);
    ASSERT_EQ(bias.scheme.layers.size(), 1u);
    EXPECT_EQ(bias.scheme.layers[0].weight_eighths, 0);
  }
  try {
    largest_last_layers_scheme(validated, minimum - 1);
    FAIL() << "expected BudgetTooSmall";
  } catch (const BudgetTooSmall& error) {
    EXPECT_EQ(error.minimum, minimum);
  }
}

}  // namespace
}  // namespace tinynas::nas
