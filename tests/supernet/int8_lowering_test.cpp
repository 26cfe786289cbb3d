#include "supernet/int8_lowering.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <functional>

#include "engine/compiler/host_runner.h"
#include "engine/compiler/model_file.h"
#include "supernet/data_batches.h"
#include "supernet/subnet_evaluation.h"
#include "supernet/synthetic_dataset.h"
#include "tests/supernet/tiny_space.h"

namespace tinynas::supernet {
namespace {

constexpr int kImages = 48;
constexpr int kResolution = 12;

// The host engine's int8 logits, dequantized, must track the float logits of the same
// extracted network: within a few percent of the logit range, and the same class almost always.
// `lowered` receives the lowered graph.
void expect_host_engine_tracks_float(
    const space::SearchSpace& space,
    const std::function<space::SubnetConfig(const space::SearchSpace&)>& pick_subnet,
    compiler::Graph& lowered) {
  torch::manual_seed(31);
  OFASupernet net(space);
  const ImageDataset data = make_synthetic_dataset(kImages, 1, kResolution, 4, 7);
  {
    // A few SGD steps so the logits mean something and the ranges are realistic.
    torch::optim::SGD sgd(net->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));
    net->train();
    const std::vector<size_t> order = sequential_order(data.size());
    for (int step = 0; step < 10; ++step) {
      const Batch batch = make_batch(data, order, 0, data.size());
      sgd.zero_grad();
      torch::nn::functional::cross_entropy(net->forward(batch.images), batch.labels).backward();
      sgd.step();
    }
  }
  const space::SubnetConfig subnet = pick_subnet(net->space());
  net->set_active_subnet(subnet);
  recalibrate_batch_norm(*net, data, 3, 16, 1);
  const StandaloneNetwork network = extract_subnet(*net, subnet);
  lowered = lower_to_int8_graph(network, data, 3, 16);
  const compiler::Graph& graph = lowered;
  const compiler::LoadedModel model(write_int8_model(graph), "test model");

  const int output = graph.output;
  const float out_scale = graph.tensors[static_cast<size_t>(output)].scale;
  const int32_t out_zero = graph.tensors[static_cast<size_t>(output)].zero_point;
  const InputQuantization input = input_quantization(data);
  const std::vector<size_t> order = sequential_order(data.size());
  torch::NoGradGuard no_grad;
  const torch::Tensor float_logits =
      network.forward(make_batch(data, order, 0, data.size()).images);
  const double range = (float_logits.max() - float_logits.min()).item<double>();
  int agree = 0;
  double worst = 0.0;
  for (size_t i = 0; i < data.size(); ++i) {
    compiler::HostRunOptions run;
    run.pattern = compiler::InputPattern::kBytes;
    run.input = quantize_image(data, i, input);
    const compiler::HostRunResult result = compiler::run_on_host(model, run);
    ASSERT_EQ(result.output.size(), 4u);
    torch::Tensor dequantized = torch::empty({4});
    for (int c = 0; c < 4; ++c) dequantized[c] = out_scale * (result.output[c] - out_zero);
    worst = std::max(
        worst, (dequantized - float_logits[static_cast<int64_t>(i)]).abs().max().item<double>());
    agree += dequantized.argmax().item<int64_t>() ==
             float_logits[static_cast<int64_t>(i)].argmax().item<int64_t>();
  }
  EXPECT_LT(worst, 0.1 * range) << "float logit range " << range;
  EXPECT_GE(agree, kImages * 9 / 10);
}

TEST(Int8Lowering, HostEngineLogitsAreCloseToFloatLogits) {
  compiler::Graph graph;
  expect_host_engine_tracks_float(
      testing::tiny_space(),
      [](const space::SearchSpace& space) { return space::sample_subnet(space, uint64_t{9}); },
      graph);
}

// Expand ratio 1: the lowered block has no expansion conv and the engine still tracks float.
TEST(Int8Lowering, ExpandRatioOneLowersWithoutTheExpansionConv) {
  space::SearchSpace space = testing::tiny_space();
  space.expand_ratios = {1, 3, 6};
  compiler::Graph graph;
  expect_host_engine_tracks_float(
      space,
      [](const space::SearchSpace& s) {
        space::SubnetConfig subnet = space::largest_subnet(s);
        for (auto& stage : subnet.stages) stage[0].expand_ratio = 1;
        return subnet;
      },
      graph);
  const auto has_op = [&graph](const std::string& name) {
    return std::any_of(graph.ops.begin(), graph.ops.end(),
                       [&name](const compiler::Op& op) { return op.name == name; });
  };
  EXPECT_FALSE(has_op("blocks.0.expand"));
  EXPECT_TRUE(has_op("blocks.0.depthwise"));
  EXPECT_TRUE(has_op("blocks.1.expand"));
}

TEST(Int8Lowering, InputQuantizationMapsPixelsExactly) {
  const ImageDataset data = make_synthetic_dataset(2, 1, kResolution, 4, 3);
  const InputQuantization q = input_quantization(data);
  const std::vector<int8_t> bytes = quantize_image(data, 1, q);
  const Batch batch = make_batch(data, sequential_order(2), 1, 2);
  for (size_t p = 0; p < bytes.size(); ++p) {
    const float real = q.scale * (bytes[p] - q.zero_point);
    EXPECT_NEAR(real, batch.images.flatten()[static_cast<int64_t>(p)].item<float>(), q.scale);
  }
}

}  // namespace
}  // namespace tinynas::supernet
