#include "supernet/elastic_layers.h"

#include <stdexcept>
#include <string>

#include "distributed/process_group.h"
#include "distributed/synchronized_batch_norm.h"
#include "supernet/depthwise_conv.h"

namespace tinynas::supernet {
namespace {

// He initialisation for conv weights (fan-out mode, as MobileNetV2 and OFA initialise).
void kaiming_fan_out(torch::Tensor& weight) {
  torch::NoGradGuard no_grad;
  torch::nn::init::kaiming_normal_(weight, 0.0, torch::kFanOut, torch::kReLU);
}

// The first `count` entries of `tensor` along `dim`: the tensor itself when that is all of it,
// so that the largest subnet trains the supernet's tensors directly (a narrowed view costs a
// slice node in the autograd graph whose backward scatters the gradient into a zeroed copy).
torch::Tensor leading(const torch::Tensor& tensor, int64_t dim, int64_t count) {
  return count == tensor.size(dim) ? tensor : tensor.narrow(dim, 0, count);
}

torch::Tensor centre_crop(const torch::Tensor& weight, int kernel_size) {
  const int64_t size = weight.size(-1);
  const int64_t start = (size - kernel_size) / 2;
  return weight.narrow(-2, start, kernel_size).narrow(-1, start, kernel_size);
}

}  // namespace

ElasticDepthwiseConvImpl::ElasticDepthwiseConvImpl(int max_channels, std::vector<int> kernel_sizes)
    : kernel_sizes_(std::move(kernel_sizes)) {
  const int largest = kernel_sizes_.back();
  weight = register_parameter("weight", torch::empty({max_channels, 1, largest, largest}));
  kaiming_fan_out(weight);
  for (size_t i = 0; i + 1 < kernel_sizes_.size(); ++i) {
    const int k = kernel_sizes_[i];
    transforms_[k] = register_parameter("transform_" + std::to_string(k) + "x" + std::to_string(k),
                                        torch::eye(k * k));
  }
}

torch::Tensor ElasticDepthwiseConvImpl::active_weight(int kernel_size, int channels) const {
  torch::Tensor current = leading(weight, 0, channels);
  // Walk down from the largest kernel: crop the centre, then apply that size's transform.
  for (size_t i = kernel_sizes_.size() - 1; i-- > 0;) {
    const int k = kernel_sizes_[i];
    if (k < kernel_size) break;
    const torch::Tensor crop = centre_crop(current, k).reshape({channels, k * k});
    current = torch::matmul(crop, transforms_.at(k)).reshape({channels, 1, k, k});
  }
  if (current.size(-1) != kernel_size) {
    throw std::invalid_argument("elastic depthwise conv: kernel size " +
                                std::to_string(kernel_size) + " is not one of its choices");
  }
  return current;
}

torch::Tensor ElasticDepthwiseConvImpl::forward(const torch::Tensor& input, int kernel_size,
                                                int stride) const {
  const int channels = static_cast<int>(input.size(1));
  return depthwise_conv2d(input, active_weight(kernel_size, channels), stride);
}

ElasticPointwiseConvImpl::ElasticPointwiseConvImpl(int max_in_channels, int max_out_channels) {
  weight = register_parameter("weight", torch::empty({max_out_channels, max_in_channels, 1, 1}));
  kaiming_fan_out(weight);
}

torch::Tensor ElasticPointwiseConvImpl::forward(const torch::Tensor& input,
                                                int out_channels) const {
  // Narrowing the input dimension leaves a strided view, which LibTorch's CPU convolution does
  // not hand to its fast (oneDNN) path: a subnet smaller than the largest trained about 2x
  // slower per image than the largest itself until the slice was made contiguous.
  const torch::Tensor w = leading(leading(weight, 0, out_channels), 1, input.size(1)).contiguous();
  return torch::conv2d(input, w);
}

ElasticBatchNormImpl::ElasticBatchNormImpl(int max_channels) {
  weight = register_parameter("weight", torch::ones({max_channels}));
  bias = register_parameter("bias", torch::zeros({max_channels}));
  running_mean = register_buffer("running_mean", torch::zeros({max_channels}));
  running_var = register_buffer("running_var", torch::ones({max_channels}));
}

torch::Tensor ElasticBatchNormImpl::forward(const torch::Tensor& input) {
  const int64_t c = input.size(1);
  double batch_momentum = momentum;
  if (recalibrating_) {
    // Cumulative average: batch n (from 1) gets weight 1/n.
    ++recalibration_batches_;
    batch_momentum = 1.0 / static_cast<double>(recalibration_batches_);
  }
  const bool use_batch_statistics = is_training() || recalibrating_;
  if (synchronization_ && is_training() && !recalibrating_) {
    return distributed::synchronized_batch_norm(
        input, leading(weight, 0, c), leading(bias, 0, c), leading(running_mean, 0, c),
        leading(running_var, 0, c), batch_momentum, eps, *synchronization_);
  }
  return torch::batch_norm(input, leading(weight, 0, c), leading(bias, 0, c),
                           leading(running_mean, 0, c), leading(running_var, 0, c),
                           use_batch_statistics, batch_momentum, eps, /*cudnn_enabled=*/false);
}

void ElasticBatchNormImpl::start_recalibration() {
  torch::NoGradGuard no_grad;
  running_mean.zero_();
  running_var.fill_(1.0);
  recalibrating_ = true;
  recalibration_batches_ = 0;
}

void ElasticBatchNormImpl::stop_recalibration() { recalibrating_ = false; }

void ElasticBatchNormImpl::synchronize_statistics(
    std::shared_ptr<distributed::ProcessGroup> group) {
  synchronization_ = group && group->size() > 1 ? std::move(group) : nullptr;
}

}  // namespace tinynas::supernet
