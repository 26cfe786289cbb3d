// Depthwise k x k convolution (groups = channels, padding k / 2, no bias) for training, with a
// faster weight gradient than LibTorch's (oneDNN's) for kernels above 3x3. Include only from
// supernet/ sources and tests: it pulls in LibTorch.
#pragma once

#include <torch/torch.h>

namespace tinynas::supernet {

// input [N, C, H, W], weight [C, 1, k, k] with k odd. The same function and gradients as
// torch::conv2d(input, weight, {}, stride, k / 2, 1, C), up to float rounding.
torch::Tensor depthwise_conv2d(const torch::Tensor& input, const torch::Tensor& weight,
                               int64_t stride);

// The gradient of that convolution's weight given the gradient of its output.
torch::Tensor depthwise_conv2d_weight_gradient(const torch::Tensor& input,
                                               const torch::Tensor& grad_output,
                                               int64_t kernel_size, int64_t stride);

}  // namespace tinynas::supernet
