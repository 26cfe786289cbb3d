#include "supernet/depthwise_conv.h"

namespace tinynas::supernet {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Measured on LibTorch 1.13 (oneDNN 2.6, AVX-512, 7x7 activations, batch 64): its depthwise
// weight gradient takes 15-20x the time of the forward pass for 5x5 and 7x7 kernels, where the
// correlation below takes 3-5x; for 3x3 kernels its own is the faster.
constexpr int64_t kLargestKernelWithNativeGradient = 3;

class DepthwiseConv2dFunction : public torch::autograd::Function<DepthwiseConv2dFunction> {
 public:
  static torch::Tensor forward(AutogradContext* context, const torch::Tensor& input,
                               const torch::Tensor& weight, int64_t stride) {
    context->save_for_backward({input, weight});
    context->saved_data["stride"] = stride;
    return torch::conv2d(input, weight, {}, stride, weight.size(-1) / 2, 1, input.size(1));
  }

  static variable_list backward(AutogradContext* context, variable_list grad_outputs) {
    const variable_list saved = context->get_saved_variables();
    const torch::Tensor& input = saved[0];
    const torch::Tensor& weight = saved[1];
    const torch::Tensor& grad_output = grad_outputs[0];
    const int64_t stride = context->saved_data["stride"].toInt();
    const int64_t padding = weight.size(-1) / 2;
    torch::Tensor grad_input, grad_weight;
    if (context->needs_input_grad(0)) {
      grad_input = std::get<0>(at::convolution_backward(
          grad_output, input, weight, c10::nullopt, {stride, stride}, {padding, padding}, {1, 1},
          /*transposed=*/false, {0, 0}, input.size(1), {true, false, false}));
    }
    if (context->needs_input_grad(1)) {
      grad_weight = depthwise_conv2d_weight_gradient(input, grad_output, weight.size(-1), stride);
    }
    return {grad_input, grad_weight, torch::Tensor()};
  }
};

}  // namespace

torch::Tensor depthwise_conv2d_weight_gradient(const torch::Tensor& input,
                                               const torch::Tensor& grad_output,
                                               int64_t kernel_size, int64_t stride) {
  // dW[c, i, j] = sum over n, p, q of grad_output[n, c, p, q] * padded_input[n, c, p * stride + i,
  // q * stride + j]: for every (image, channel) pair the correlation of its padded input plane
  // with its output-gradient plane dilated by the stride, i.e. one depthwise convolution of a
  // single image of C * N planes, summed over the images afterwards.
  const int64_t images = input.size(0), channels = input.size(1);
  const torch::Tensor planes =
      input.transpose(0, 1).reshape({1, channels * images, input.size(2), input.size(3)});
  const torch::Tensor kernels = grad_output.transpose(0, 1).reshape(
      {channels * images, 1, grad_output.size(2), grad_output.size(3)});
  const torch::Tensor correlations =
      torch::conv2d(planes, kernels, {}, /*stride=*/1, kernel_size / 2, stride, channels * images);
  return correlations.narrow(2, 0, kernel_size)
      .narrow(3, 0, kernel_size)
      .reshape({channels, images, kernel_size, kernel_size})
      .sum(1)
      .unsqueeze(1);
}

torch::Tensor depthwise_conv2d(const torch::Tensor& input, const torch::Tensor& weight,
                               int64_t stride) {
  const int64_t kernel_size = weight.size(-1);
  const bool needs_gradient =
      torch::GradMode::is_enabled() && (input.requires_grad() || weight.requires_grad());
  if (!needs_gradient || kernel_size <= kLargestKernelWithNativeGradient) {
    return torch::conv2d(input, weight, {}, stride, kernel_size / 2, 1, input.size(1));
  }
  return DepthwiseConv2dFunction::apply(input, weight, stride);
}

}  // namespace tinynas::supernet
