// The float baseline: the float model of a graph fine-tuned on the host by plain SGD.
#include "nas/supernet_backend/float_fine_tune.h"

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

// Class c: a bright band in the c-th third of the image columns.
datasets::ModelInputs band_inputs(int count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> noise(-20, 20);
  datasets::ModelInputs inputs;
  for (int i = 0; i < count; ++i) {
    const int label = i % 3;
    for (int y = 0; y < 8; ++y) {
      for (int x = 0; x < 8; ++x) {
        inputs.bytes.push_back(static_cast<int8_t>((x / 3 == label ? 90 : -90) + noise(rng)));
      }
    }
    inputs.labels.push_back(label);
  }
  return inputs;
}

TEST(FloatFineTune, LearnsAnEasyTaskAndIsSeeded) {
  const compiler::Graph graph = tiny_graph();
  FloatFineTuneOptions options;
  options.epochs = 4;
  options.learning_rate = 0.05f;
  int steps = 0;
  const FloatFineTuneResult result =
      float_fine_tune(graph, compiler::full_update_scheme(graph), band_inputs(60, 1),
                      band_inputs(30, 2), options, [&steps](int done, int total) {
                        EXPECT_EQ(done, ++steps);
                        EXPECT_EQ(total, 4 * 60);  // one image per step
                      });
  EXPECT_EQ(steps, 240);
  ASSERT_EQ(result.epoch_losses.size(), 4u);
  EXPECT_LT(result.epoch_losses.back(), result.epoch_losses.front());
  EXPECT_GT(result.accuracy_after, 0.9);
  const FloatFineTuneResult again = float_fine_tune(
      graph, compiler::full_update_scheme(graph), band_inputs(60, 1), band_inputs(30, 2), options);
  EXPECT_EQ(again.accuracy_after, result.accuracy_after);
  EXPECT_EQ(again.epoch_losses, result.epoch_losses);
}

TEST(FloatFineTune, RefusesLabelsBeyondTheClassifierAndAnotherModelsScheme) {
  const compiler::Graph graph = tiny_graph();
  datasets::ModelInputs train = band_inputs(6, 1);
  train.labels[2] = 3;
  try {
    float_fine_tune(graph, compiler::full_update_scheme(graph), train, band_inputs(3, 2), {});
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("label 3, the model's classifier 3 classes"),
              std::string::npos)
        << error.what();
  }
  compiler::UpdateScheme scheme;
  scheme.layers = {{"blocks.7.expand", true, 8}};
  EXPECT_THROW(float_fine_tune(graph, scheme, band_inputs(6, 1), band_inputs(3, 2), {}),
               compiler::SchemeError);
}

}  // namespace
}  // namespace tinynas::nas
