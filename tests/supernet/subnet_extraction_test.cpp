#include "supernet/subnet_extraction.h"

#include <gtest/gtest.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <filesystem>

#include "supernet/data_batches.h"
#include "supernet/subnet_evaluation.h"
#include "supernet/synthetic_dataset.h"
#include "tests/supernet/tiny_space.h"

namespace tinynas::supernet {
namespace {

// A supernet whose BN statistics and affine parameters are not the identity, in eval mode.
OFASupernet prepared_supernet(uint64_t seed) {
  torch::manual_seed(static_cast<int64_t>(seed));
  OFASupernet net(testing::tiny_space());
  net->train();
  {
    torch::NoGradGuard no_grad;
    for (auto& p : net->parameters()) p.add_(torch::randn_like(p) * 0.05);
    for (int i = 0; i < 3; ++i) net->forward(torch::randn({16, 1, 12, 12}));
  }
  net->eval();
  return net;
}

TEST(SubnetExtraction, StandaloneNetworkEqualsTheElasticForward) {
  OFASupernet net = prepared_supernet(11);
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 4; ++trial) {
    const space::SubnetConfig subnet = space::sample_subnet(net->space(), rng);
    const StandaloneNetwork network = extract_subnet(*net, subnet);
    const torch::Tensor x = torch::randn({4, 1, 12, 12});
    torch::NoGradGuard no_grad;
    net->set_active_subnet(subnet);
    EXPECT_TRUE(torch::allclose(net->forward(x), network.forward(x), 1e-4, 1e-4))
        << space::describe_subnet(subnet);
  }
}

// Expand ratio 1 (no expansion conv): the block's depthwise conv takes its input directly, the
// extracted network and its TorchScript file have no expand conv there, and both compute the
// elastic forward.
TEST(SubnetExtraction, ExpandRatioOneSkipsTheExpansionConv) {
  space::SearchSpace space = testing::tiny_space();
  space.expand_ratios = {1, 3, 6};
  torch::manual_seed(15);
  OFASupernet net(space);
  net->eval();
  space::SubnetConfig subnet = space::largest_subnet(space);
  subnet.stages[0][0].expand_ratio = 1;
  subnet.stages[1][1].expand_ratio = 1;
  const torch::Tensor x = torch::randn({3, 1, 12, 12});
  torch::NoGradGuard no_grad;
  net->set_active_subnet(subnet);
  const torch::Tensor before = net->forward(x);
  // The expand weights of a block at ratio 1 play no part.
  net->blocks()[0][0]->expand->weight.add_(1.0);
  EXPECT_TRUE(torch::equal(net->forward(x), before));
  // Re-sorting channels would separate middle channel i from input channel i: it is skipped.
  net->sort_channels_by_importance();
  EXPECT_TRUE(torch::allclose(net->forward(x), before, 1e-5, 1e-5));

  const StandaloneNetwork network = extract_subnet(*net, subnet);
  EXPECT_FALSE(network.blocks[0].expand.has_value());
  EXPECT_TRUE(network.blocks[1].expand.has_value());
  EXPECT_FALSE(network.blocks[3].expand.has_value());
  EXPECT_EQ(network.spec.blocks[0].mid_channels, network.spec.blocks[0].in_channels);
  EXPECT_TRUE(torch::allclose(network.forward(x), before, 1e-4, 1e-4));
  const std::string path =
      (std::filesystem::temp_directory_path() / "tinynas_subnet_e1_test.pt").string();
  save_torchscript(network, path);
  torch::jit::Module loaded = torch::jit::load(path);
  EXPECT_TRUE(torch::allclose(loaded.forward({x}).toTensor(), before, 1e-4, 1e-4));
  std::filesystem::remove(path);
}

TEST(SubnetExtraction, SpecMatchesTheExtractedWeights) {
  OFASupernet net = prepared_supernet(12);
  const space::SubnetConfig subnet = space::smallest_subnet(net->space());
  const StandaloneNetwork network = extract_subnet(*net, subnet);
  ASSERT_EQ(network.blocks.size(), network.spec.blocks.size());
  for (size_t i = 0; i < network.blocks.size(); ++i) {
    ASSERT_TRUE(network.blocks[i].expand.has_value());
    EXPECT_EQ(network.blocks[i].expand->weight.size(0), network.spec.blocks[i].mid_channels);
    EXPECT_EQ(network.blocks[i].depthwise.weight.size(-1), network.spec.blocks[i].kernel_size);
    EXPECT_EQ(network.blocks[i].project.weight.size(0), network.spec.blocks[i].out_channels);
  }
}

TEST(SubnetExtraction, TorchScriptFileComputesTheSameLogits) {
  OFASupernet net = prepared_supernet(13);
  const space::SubnetConfig subnet = space::sample_subnet(net->space(), uint64_t{5});
  const StandaloneNetwork network = extract_subnet(*net, subnet);
  const std::string path =
      (std::filesystem::temp_directory_path() / "tinynas_subnet_test.pt").string();
  save_torchscript(network, path);
  torch::jit::Module loaded = torch::jit::load(path);
  const torch::Tensor x = torch::randn({2, 1, 12, 12});
  torch::NoGradGuard no_grad;
  const torch::Tensor y = loaded.forward({x}).toTensor();
  EXPECT_TRUE(torch::allclose(y, network.forward(x), 1e-5, 1e-5));
  std::filesystem::remove(path);
}

TEST(BatchNormRecalibration, MatchesStatisticsOfTheCalibrationData) {
  torch::manual_seed(14);
  OFASupernet net(testing::tiny_space());
  const ImageDataset data = make_synthetic_dataset(64, 1, 12, 4, 1);
  recalibrate_batch_norm(*net, data, 4, 16, 1);
  EXPECT_FALSE(net->is_training());
  // The first BN sees the first conv's output over the calibration images: its running mean is
  // the mean over all of them (equal-weight average of 4 equal-size batches).
  const std::vector<size_t> order = shuffled_order(data.size(), 1);
  torch::NoGradGuard no_grad;
  const torch::Tensor conv = net->first_conv(make_batch(data, order, 0, 64).images);
  EXPECT_TRUE(torch::allclose(net->first_bn->running_mean, conv.mean({0, 2, 3}), 1e-4, 1e-4));
}

}  // namespace
}  // namespace tinynas::supernet
