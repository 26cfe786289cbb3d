#include "supernet/elastic_layers.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "supernet/elastic_block.h"
#include "supernet/ofa_supernet.h"
#include "tests/supernet/tiny_space.h"

namespace tinynas::supernet {
namespace {

TEST(ElasticDepthwiseConv, IdentityTransformsGiveTheCentreCrop) {
  torch::manual_seed(1);
  ElasticDepthwiseConv conv(4, std::vector<int>{3, 5, 7});
  const torch::Tensor full = conv->weight.detach();
  EXPECT_TRUE(torch::equal(conv->active_weight(7, 4), conv->weight));
  EXPECT_TRUE(torch::allclose(conv->active_weight(5, 4), full.slice(2, 1, 6).slice(3, 1, 6)));
  EXPECT_TRUE(torch::allclose(conv->active_weight(3, 2),
                              full.slice(0, 0, 2).slice(2, 2, 5).slice(3, 2, 5)));
}

TEST(ElasticDepthwiseConv, SmallKernelsPassThroughTheLearnedTransforms) {
  torch::manual_seed(2);
  ElasticDepthwiseConv conv(3, std::vector<int>{3, 5, 7});
  torch::NoGradGuard no_grad;
  const torch::Tensor t5 = torch::randn({25, 25});
  const torch::Tensor t3 = torch::randn({9, 9});
  conv->named_parameters()["transform_5x5"].copy_(t5);
  conv->named_parameters()["transform_3x3"].copy_(t3);
  const torch::Tensor crop5 = conv->weight.slice(2, 1, 6).slice(3, 1, 6).reshape({3, 25});
  const torch::Tensor k5 = torch::matmul(crop5, t5).reshape({3, 1, 5, 5});
  EXPECT_TRUE(torch::allclose(conv->active_weight(5, 3), k5));
  const torch::Tensor crop3 = k5.slice(2, 1, 4).slice(3, 1, 4).reshape({3, 9});
  EXPECT_TRUE(torch::allclose(conv->active_weight(3, 3),
                              torch::matmul(crop3, t3).reshape({3, 1, 3, 3}), 1e-5, 1e-5));
}

TEST(ElasticDepthwiseConv, KernelTransformsReceiveGradients) {
  ElasticDepthwiseConv conv(2, std::vector<int>{3, 5, 7});
  conv->forward(torch::randn({1, 2, 6, 6}), 3, 1).sum().backward();
  EXPECT_TRUE(conv->named_parameters()["transform_3x3"].grad().defined());
  EXPECT_TRUE(conv->named_parameters()["transform_5x5"].grad().defined());
}

TEST(ElasticDepthwiseConv, RejectsKernelSizesOutsideItsChoices) {
  ElasticDepthwiseConv conv(2, std::vector<int>{3, 5, 7});
  EXPECT_THROW(conv->active_weight(4, 2), std::invalid_argument);
}

TEST(ElasticBatchNorm, SlicedStatisticsUpdateTheSharedBuffers) {
  ElasticBatchNorm bn(6);
  bn->train();
  bn->forward(torch::randn({8, 4, 3, 3}) + 5.0);
  const torch::Tensor mean = bn->running_mean;
  EXPECT_GT(mean.slice(0, 0, 4).min().item<float>(), 0.1f);  // moved toward 5
  EXPECT_TRUE(torch::equal(mean.slice(0, 4, 6), torch::zeros({2})));
}

TEST(WeightSharing, SubnetWeightsAreSlicesOfTheSupernetWeights) {
  torch::manual_seed(3);
  OFASupernet net(testing::tiny_space());
  ElasticMBConvBlock block = net->blocks()[1][0];
  block->set_active(5, 3);
  const int mid = block->active_mid_channels();
  ASSERT_EQ(mid, 24);  // 8 input channels x 3
  // A smaller subnet's middle channels are the first `mid` rows of the largest weights, and
  // share storage with them (gradients of every subnet land in the same tensors).
  const torch::Tensor expand = block->expand->weight.narrow(0, 0, mid);
  EXPECT_EQ(expand.data_ptr(), block->expand->weight.data_ptr());
  const torch::Tensor x = torch::randn({2, 8, 6, 6});
  const torch::Tensor y = block->expand->forward(x, mid);
  EXPECT_TRUE(torch::allclose(y, torch::conv2d(x, block->expand->weight.slice(0, 0, mid))));
  // Training a small subnet changes exactly the sliced part of the supernet's weights.
  net->set_active_subnet(space::smallest_subnet(net->space()));
  net->forward(torch::randn({2, 1, 12, 12})).sum().backward();
  const torch::Tensor grad = net->blocks()[1][0]->expand->weight.grad();
  ASSERT_TRUE(grad.defined());
  EXPECT_GT(grad.slice(0, 0, mid).abs().sum().item<float>(), 0.0f);
  EXPECT_EQ(grad.slice(0, mid).abs().sum().item<float>(), 0.0f);
  // Blocks beyond the active depth get no gradient at all.
  EXPECT_FALSE(net->blocks()[0][1]->expand->weight.grad().defined());
}

TEST(ChannelSorting, KeepsTheFunctionOfTheLargestBlock) {
  torch::manual_seed(4);
  ElasticMBConvBlock block(8, 8, 1, std::vector<int>{3, 5, 7}, std::vector<int>{3, 4, 6});
  {
    // Non-trivial BN statistics so the permutation of buffers is exercised too.
    torch::NoGradGuard no_grad;
    for (auto& buffer : block->buffers()) buffer.uniform_(0.5, 1.5);
    for (auto& p : block->parameters()) p.add_(torch::randn_like(p) * 0.1);
  }
  block->eval();
  const torch::Tensor x = torch::randn({3, 8, 7, 7});
  const torch::Tensor before = block->forward(x);
  const torch::Tensor importance_before = block->expand->weight.abs().sum({1, 2, 3});
  block->sort_channels_by_importance();
  const torch::Tensor after = block->forward(x);
  EXPECT_TRUE(torch::allclose(before, after, 1e-5, 1e-5));
  const torch::Tensor importance = block->expand->weight.abs().sum({1, 2, 3});
  EXPECT_TRUE(torch::equal(importance, std::get<0>(importance_before.sort(0, true))));
}

TEST(OFASupernet, ElasticDepthRunsTheFirstBlocksOfEachStage) {
  torch::manual_seed(5);
  OFASupernet net(testing::tiny_space());
  net->eval();
  space::SubnetConfig subnet = space::largest_subnet(net->space());
  subnet.stages[0].pop_back();
  net->set_active_subnet(subnet);
  const torch::Tensor x = torch::randn({2, 1, 12, 12});
  const torch::Tensor y = net->forward(x);
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 4}));
  // Same output when the unused block's weights change.
  {
    torch::NoGradGuard no_grad;
    net->blocks()[0][1]->expand->weight.fill_(3.0);
  }
  EXPECT_TRUE(torch::equal(y, net->forward(x)));
}

}  // namespace
}  // namespace tinynas::supernet
