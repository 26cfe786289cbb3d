#include "supernet/depthwise_conv.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <tuple>

namespace tinynas::supernet {
namespace {

// (kernel size, stride, input side, channels-last input)
class DepthwiseConv2dGradients : public ::testing::TestWithParam<std::tuple<int, int, int, bool>> {
};

TEST_P(DepthwiseConv2dGradients, MatchLibTorchConvolution) {
  const auto [kernel_size, stride, side, channels_last] = GetParam();
  torch::manual_seed(kernel_size * 100 + stride * 10 + side);
  torch::Tensor input = torch::randn({5, 6, side, side});
  if (channels_last) input = input.contiguous(torch::MemoryFormat::ChannelsLast);
  const torch::Tensor weight = torch::randn({6, 1, kernel_size, kernel_size});
  const torch::Tensor ours_input = input.clone().requires_grad_();
  const torch::Tensor ours_weight = weight.clone().requires_grad_();
  const torch::Tensor reference_input = input.clone().requires_grad_();
  const torch::Tensor reference_weight = weight.clone().requires_grad_();

  const torch::Tensor ours = depthwise_conv2d(ours_input, ours_weight, stride);
  const torch::Tensor reference = torch::conv2d(reference_input, reference_weight, {}, stride,
                                                kernel_size / 2, 1, input.size(1));
  ASSERT_EQ(ours.sizes(), reference.sizes());
  EXPECT_TRUE(torch::allclose(ours, reference, 1e-5, 1e-5));
  const torch::Tensor grad = torch::randn(reference.sizes());
  ours.backward(grad);
  reference.backward(grad);
  EXPECT_TRUE(torch::allclose(ours_input.grad(), reference_input.grad(), 1e-4, 1e-4));
  EXPECT_TRUE(torch::allclose(ours_weight.grad(), reference_weight.grad(), 1e-4, 1e-4));
}

INSTANTIATE_TEST_SUITE_P(KernelsStridesSides, DepthwiseConv2dGradients,
                         ::testing::Combine(::testing::Values(3, 5, 7), ::testing::Values(1, 2),
                                            ::testing::Values(4, 7, 14), ::testing::Bool()));

TEST(DepthwiseConv2dWeightGradient, IsTheSumOverImagesAndPositionsOfInputTimesOutputGradient) {
  // One channel, one image, 3x3 input, 3x3 kernel, stride 1: dW[i][j] = sum over p, q of
  // g[p][q] * x[p + i - 1][q + j - 1] (zero outside); with g all ones, dW is the sum of the
  // input over the window the tap sees: the centre tap sees everything.
  const torch::Tensor input = torch::arange(1, 10, torch::kFloat32).reshape({1, 1, 3, 3});
  const torch::Tensor grad_output = torch::ones({1, 1, 3, 3});
  const torch::Tensor grad_weight = depthwise_conv2d_weight_gradient(input, grad_output, 3, 1);
  const torch::Tensor expected =
      torch::tensor({12.f, 21.f, 16.f, 27.f, 45.f, 33.f, 24.f, 39.f, 28.f}).reshape({1, 1, 3, 3});
  EXPECT_TRUE(torch::equal(grad_weight, expected));
}

}  // namespace
}  // namespace tinynas::supernet
