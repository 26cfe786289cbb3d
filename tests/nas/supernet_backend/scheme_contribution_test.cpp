#include "nas/supernet_backend/scheme_contribution.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "engine/compiler/graph_builder.h"

namespace tinynas::nas {
namespace {

compiler::Graph tiny_graph() {
  compiler::NetworkSpec spec;
  spec.name = "tiny";
  spec.resolution = 8;
  spec.input_channels = 1;
  spec.first_conv = {4, 3, 2, compiler::Activation::kRelu6};
  compiler::BlockSpec block;
  block.in_channels = 4;
  block.out_channels = 4;
  block.mid_channels = 8;
  block.residual = true;
  spec.blocks = {block};
  spec.num_classes = 3;
  return compiler::build_graph(spec);
}

// Class c: a bright square in the c-th third of the image (learnable in a few steps).
datasets::ModelInputs synthetic_inputs(int count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> noise(-20, 20);
  datasets::ModelInputs inputs;
  for (int i = 0; i < count; ++i) {
    const int label = i % 3;
    for (int y = 0; y < 8; ++y) {
      for (int x = 0; x < 8; ++x) {
        const bool lit = x / 3 == label;
        inputs.bytes.push_back(static_cast<int8_t>((lit ? 90 : -90) + noise(rng)));
      }
    }
    inputs.labels.push_back(label);
  }
  return inputs;
}

TEST(SchemeContribution, MeasuresEveryBiasDepthAndWeightRatio) {
  const compiler::Graph graph = tiny_graph();
  ContributionOptions options;
  options.batches = 3;
  options.batch_size = 6;
  int reported = 0;
  const ContributionTable table =
      measure_contributions(graph, synthetic_inputs(30, 1), synthetic_inputs(15, 2), options,
                            [&reported](int done, int total) {
                              EXPECT_EQ(done, reported + 1);
                              reported = done;
                              EXPECT_LE(done, total);
                            });
  EXPECT_EQ(reported, contribution_fine_tunes(graph));
  ASSERT_EQ(table.layers, trainable_layer_names(graph));
  ASSERT_EQ(table.bias_gain.size(), table.layers.size());
  ASSERT_EQ(table.weight_gain.size(), table.layers.size());
  EXPECT_EQ(table.bias_gain[0], 0.0);  // the baseline: the classifier's bias alone
  for (const auto& gains : table.weight_gain) {
    for (const double gain : gains) {
      EXPECT_GE(gain, -1.0);
      EXPECT_LE(gain, 1.0);
    }
  }
  // Seeded: the same table again.
  const ContributionTable again =
      measure_contributions(graph, synthetic_inputs(30, 1), synthetic_inputs(15, 2), options);
  EXPECT_EQ(again.bias_gain, table.bias_gain);
  EXPECT_EQ(again.weight_gain, table.weight_gain);
}

TEST(SchemeContribution, ALabelBeyondTheClassifierNamesBothSizes) {
  const compiler::Graph graph = tiny_graph();
  datasets::ModelInputs train = synthetic_inputs(6, 1);
  train.labels[2] = 7;
  try {
    measure_contributions(graph, train, synthetic_inputs(6, 2), {});
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("label 7"), std::string::npos) << message;
    EXPECT_NE(message.find("3 classes"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace tinynas::nas
