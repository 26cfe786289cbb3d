#include "supernet/float_graph.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "engine/compiler/graph_builder.h"
#include "engine/compiler/host_runner.h"
#include "engine/compiler/memory_planner.h"
#include "engine/compiler/model_writer.h"

namespace tinynas::supernet {
namespace {

// first_conv, two blocks (one residual), feature mix, classifier; seeded random int8 weights.
compiler::Graph small_graph() {
  compiler::NetworkSpec spec;
  spec.name = "small";
  spec.resolution = 16;
  spec.input_channels = 3;
  spec.first_conv = {8, 3, 2, compiler::Activation::kRelu6};
  compiler::BlockSpec first;
  first.in_channels = 8;
  first.out_channels = 12;
  first.mid_channels = 24;
  first.stride = 2;
  compiler::BlockSpec second = first;
  second.in_channels = 12;
  second.stride = 1;
  second.kernel_size = 5;
  second.residual = true;
  spec.blocks = {first, second};
  spec.feature_mix = compiler::ConvLayerSpec{32, 1, 1, compiler::Activation::kRelu6};
  spec.num_classes = 5;
  return compiler::build_graph(spec);
}

std::vector<int8_t> random_input(size_t bytes, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> value(-128, 127);
  std::vector<int8_t> input(bytes);
  for (int8_t& v : input) v = static_cast<int8_t>(value(rng));
  return input;
}

TEST(FloatGraph, MatchesTheInt8EngineWithinQuantization) {
  const compiler::Graph graph = small_graph();
  const compiler::LoadedModel model(compiler::write_model(graph, compiler::plan_memory(graph)),
                                    "small");
  const FloatGraphModel floating(graph);
  ASSERT_EQ(floating.classes(), 5);
  const compiler::Tensor& output = graph.tensors[graph.output];
  double worst = 0;
  double range = 0;
  int agree = 0;
  constexpr int kInputs = 8;
  for (uint32_t seed = 1; seed <= kInputs; ++seed) {
    compiler::HostRunOptions run;
    run.pattern = compiler::InputPattern::kBytes;
    run.input = random_input(static_cast<size_t>(floating.input_elements()), seed);
    const compiler::HostRunResult result = compiler::run_on_host(model, run);
    const std::vector<float> logits = floating.logits(run.input, 1);
    ASSERT_EQ(logits.size(), result.output.size());
    int int8_best = 0;
    for (size_t c = 0; c < logits.size(); ++c) {
      const double engine = output.scale * (result.output[c] - output.zero_point);
      worst = std::max(worst, std::abs(engine - logits[c]));
      range = std::max(range, std::abs(engine));
      if (result.output[c] > result.output[int8_best]) int8_best = static_cast<int>(c);
    }
    agree += std::max_element(logits.begin(), logits.end()) - logits.begin() == int8_best;
  }
  // A few output steps of rounding accumulated through six quantized layers.
  EXPECT_LT(worst, std::max(6.0 * output.scale, 0.1 * range)) << "output scale " << output.scale;
  EXPECT_GE(agree, kInputs - 2);
}

TEST(FloatGraph, OnlyTheSchemesChannelsAndBiasesLearn) {
  const compiler::Graph graph = small_graph();
  FloatGraphModel floating(graph);
  compiler::UpdateScheme scheme;
  scheme.layers = {{"blocks.1.expand", false, 2}, {"classifier", true, 0}};
  const std::vector<compiler::ResolvedLayer> layers = compiler::resolve_scheme(graph, scheme);
  floating.set_trained(layers);
  const std::vector<int8_t> inputs = random_input(4 * floating.input_elements(), 3);
  const std::vector<float> before = floating.logits(inputs, 4);
  for (int step = 0; step < 5; ++step) floating.train_step(inputs, {0, 1, 2, 3}, 0.5f);
  const std::vector<float> after = floating.logits(inputs, 4);
  EXPECT_NE(before, after);
  // Nothing trained: the logits stay.
  floating.reset();
  floating.set_trained({});
  EXPECT_EQ(floating.logits(inputs, 4), before);
  floating.train_step(inputs, {0, 1, 2, 3}, 0.5f);
  EXPECT_EQ(floating.logits(inputs, 4), before);
  // A weight update changes the chosen input channels only.
  const compiler::ResolvedLayer& expand = layers[0];
  const int channels = graph.tensors[graph.ops[expand.op].weights].shape.c;
  const std::vector<float> initial = floating.weights(expand.op);
  floating.set_trained(layers);
  floating.train_step(inputs, {0, 1, 2, 3}, 0.5f);
  const std::vector<float> trained = floating.weights(expand.op);
  ASSERT_EQ(initial.size(), trained.size());
  int changed = 0;
  for (size_t i = 0; i < initial.size(); ++i) {
    const int channel = static_cast<int>(i % static_cast<size_t>(channels));
    const bool chosen =
        std::find(expand.channels.begin(), expand.channels.end(), channel) != expand.channels.end();
    if (!chosen) {
      EXPECT_EQ(initial[i], trained[i]) << "element " << i;
    }
    changed += initial[i] != trained[i];
  }
  EXPECT_GT(changed, 0);
}

}  // namespace
}  // namespace tinynas::supernet
