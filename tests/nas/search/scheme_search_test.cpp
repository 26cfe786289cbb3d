#include "nas/search/scheme_search.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "engine/compiler/graph_builder.h"

namespace tinynas::nas {
namespace {

// first_conv, one block (expand, depthwise, project), classifier: 5 layers with weights.
compiler::Graph tiny_graph() {
  compiler::NetworkSpec spec;
  spec.name = "tiny";
  spec.resolution = 12;
  spec.input_channels = 1;
  spec.first_conv = {8, 3, 2, compiler::Activation::kRelu6};
  compiler::BlockSpec block;
  block.in_channels = 8;
  block.out_channels = 8;
  block.mid_channels = 16;
  block.residual = true;
  spec.blocks = {block};
  spec.num_classes = 4;
  return compiler::build_graph(spec);
}

// A seeded fake table: gains grow with depth and ratio, with noise so the optimum is unique.
ContributionTable fake_table(const compiler::Graph& graph, uint64_t seed) {
  ContributionTable table;
  table.layers = trainable_layer_names(graph);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> noise(0.0, 1.0);
  double bias = 0;
  for (size_t k = 0; k < table.layers.size(); ++k) {
    table.bias_gain.push_back(k == 0 ? 0.0 : (bias += noise(rng)));
    std::array<double, kWeightRatioEighths.size()> gains{};
    double gain = 0;
    for (double& g : gains) g = (gain += noise(rng));
    table.weight_gain.push_back(gains);
  }
  return table;
}

int64_t peak(const compiler::ValidatedGraph& graph, const ContributionTable& table,
             const SchemeGenome& genome) {
  return compiler::plan_training_memory(graph, genome_scheme(table, genome)).plan.peak_sram_bytes();
}

// Every genome of the tiny model: bias depth 1..5 x 5^5 ratio choices.
double brute_force_best(const compiler::ValidatedGraph& graph, const ContributionTable& table,
                        int64_t budget) {
  const int layers = static_cast<int>(table.layers.size());
  double best = -1;
  SchemeGenome genome;
  genome.ratio.assign(layers, 0);
  int combinations = 1;
  for (int i = 0; i < layers; ++i) combinations *= 5;
  for (int depth = 1; depth <= layers; ++depth) {
    genome.bias_depth = depth;
    for (int code = 0; code < combinations; ++code) {
      int rest = code;
      for (int i = 0; i < layers; ++i, rest /= 5) genome.ratio[i] = rest % 5;
      const double contribution = genome_contribution(table, genome);
      if (contribution > best && peak(graph, table, genome) <= budget) best = contribution;
    }
  }
  return best;
}

TEST(SchemeSearch, FindsTheBruteForceOptimumUnderTheBudget) {
  const compiler::Graph graph = tiny_graph();
  const compiler::ValidatedGraph validated =
      compiler::validate_graph(graph, compiler::GraphUse::kPlanning);
  const ContributionTable table = fake_table(graph, 7);
  ASSERT_EQ(table.layers.size(), 5u);
  const int64_t minimum = compiler::minimum_training_bytes(validated);
  const int64_t full =
      compiler::plan_training_memory(validated, compiler::full_update_scheme(graph))
          .plan.peak_sram_bytes();
  ASSERT_LT(minimum, full);
  for (const int64_t budget : {minimum + (full - minimum) / 4, minimum + (full - minimum) / 2}) {
    SchemeSearchOptions options;
    options.sram_bytes = budget;
    options.seed = 3;
    const SchemeSearchResult result = search_update_scheme(validated, table, options);
    EXPECT_LE(result.peak_sram_bytes, budget);
    EXPECT_EQ(result.peak_sram_bytes, peak(validated, table, result.genome));
    EXPECT_DOUBLE_EQ(result.contribution, brute_force_best(validated, table, budget))
        << "budget " << budget;
  }
}

TEST(SchemeSearch, EverySchemeItReturnsFitsThePlannedBudget) {
  const compiler::Graph graph = tiny_graph();
  const compiler::ValidatedGraph validated =
      compiler::validate_graph(graph, compiler::GraphUse::kPlanning);
  const int64_t minimum = compiler::minimum_training_bytes(validated);
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    const ContributionTable table = fake_table(graph, seed);
    SchemeSearchOptions options;
    options.sram_bytes = minimum + static_cast<int64_t>(seed) * 700;
    options.seed = seed;
    options.generations = 5;
    const SchemeSearchResult result = search_update_scheme(validated, table, options);
    const int64_t planned =
        compiler::plan_training_memory(validated, result.scheme).plan.peak_sram_bytes();
    EXPECT_EQ(planned, result.peak_sram_bytes);
    EXPECT_LE(planned, options.sram_bytes) << "seed " << seed;
  }
}

TEST(SchemeSearch, ABudgetBelowTheClassifierBiasNamesTheMinimum) {
  const compiler::Graph graph = tiny_graph();
  const compiler::ValidatedGraph validated =
      compiler::validate_graph(graph, compiler::GraphUse::kPlanning);
  const int64_t minimum = compiler::minimum_training_bytes(validated);
  SchemeSearchOptions options;
  options.sram_bytes = minimum - 1;
  try {
    search_update_scheme(validated, fake_table(graph, 1), options);
    FAIL() << "expected BudgetTooSmall";
  } catch (const BudgetTooSmall& error) {
    EXPECT_EQ(error.minimum, minimum);
    EXPECT_NE(std::string(error.what()).find(std::to_string(minimum) + " B"), std::string::npos)
        << error.what();
  }
  // At the minimum exactly, the classifier's bias alone is the answer.
  options.sram_bytes = minimum;
  const SchemeSearchResult result = search_update_scheme(validated, fake_table(graph, 1), options);
  ASSERT_EQ(result.scheme.layers.size(), 1u);
  EXPECT_EQ(result.scheme.layers[0].name, "classifier");
}

TEST(SchemeSearch, ATableOfAnotherModelIsRefused) {
  const compiler::Graph graph = tiny_graph();
  const compiler::ValidatedGraph validated =
      compiler::validate_graph(graph, compiler::GraphUse::kPlanning);
  ContributionTable table = fake_table(graph, 1);
  table.layers.pop_back();
  SchemeSearchOptions options;
  options.sram_bytes = 1 << 30;
  EXPECT_THROW(search_update_scheme(validated, table, options), std::invalid_argument);
}

}  // namespace
}  // namespace tinynas::nas
