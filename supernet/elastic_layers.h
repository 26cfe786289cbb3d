// Elastic layers of a once-for-all supernet (Cai et al., "Once-for-All: Train One Network and
// Specialize it for Efficient Deployment", ICLR 2020, section 3.3): one weight tensor at the
// largest size, of which every subnet uses a slice. Include only from supernet/ sources and
// tests: it pulls in LibTorch.
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <vector>

namespace tinynas::distributed {
class ProcessGroup;
}

namespace tinynas::supernet {

// Depthwise k x k convolution whose smaller kernels are the centre of the largest one passed
// through a learned transform (OFA 3.3 "elastic kernel size"): 7x7 -> centre 5x5 -> 25x25
// matrix; that 5x5 -> centre 3x3 -> 9x9 matrix. The matrices are shared by all channels and
// start as identity, so at initialisation a small kernel is exactly the crop.
class ElasticDepthwiseConvImpl : public torch::nn::Module {
 public:
  ElasticDepthwiseConvImpl(int max_channels, std::vector<int> kernel_sizes);

  // [channels, 1, k, k] weights of the active kernel for the first `channels` channels.
  torch::Tensor active_weight(int kernel_size, int channels) const;
  torch::Tensor forward(const torch::Tensor& input, int kernel_size, int stride) const;

  torch::Tensor weight;  // [max_channels, 1, K, K], K the largest kernel size
  const std::vector<int>& kernel_sizes() const { return kernel_sizes_; }
  // The transform that maps the centre crop of the next larger kernel to `kernel_size`.
  const torch::Tensor& transform(int kernel_size) const { return transforms_.at(kernel_size); }

 private:
  std::vector<int> kernel_sizes_;
  std::map<int, torch::Tensor> transforms_;  // keyed by the target kernel size
};
TORCH_MODULE(ElasticDepthwiseConv);

// 1x1 convolution over the first `in` input and first `out` output channels of its weight.
class ElasticPointwiseConvImpl : public torch::nn::Module {
 public:
  ElasticPointwiseConvImpl(int max_in_channels, int max_out_channels);
  torch::Tensor forward(const torch::Tensor& input, int out_channels) const;
  torch::Tensor weight;  // [max_out, max_in, 1, 1]
};
TORCH_MODULE(ElasticPointwiseConv);

// Batch norm whose affine parameters and running statistics are sliced to the input's width.
// Running statistics of a slice update the supernet's tensors in place (a narrowed view).
class ElasticBatchNormImpl : public torch::nn::Module {
 public:
  explicit ElasticBatchNormImpl(int max_channels);
  torch::Tensor forward(const torch::Tensor& input);

  // Recalibration: reset the statistics, then average them over the next batches with equal
  // weight (a cumulative moving average, as OFA's set_running_statistics does).
  void start_recalibration();
  void stop_recalibration();
  // Training-mode statistics over every rank's batch of `group` (none, or a group of one:
  // this process's batch only); recalibration stays local.
  void synchronize_statistics(std::shared_ptr<distributed::ProcessGroup> group);

  torch::Tensor weight, bias, running_mean, running_var;
  double momentum = kDefaultMomentum;
  double eps = kDefaultEps;

  static constexpr double kDefaultMomentum = 0.1;
  static constexpr double kDefaultEps = 1e-5;

 private:
  bool recalibrating_ = false;
  int64_t recalibration_batches_ = 0;
  std::shared_ptr<distributed::ProcessGroup> synchronization_;
};
TORCH_MODULE(ElasticBatchNorm);

// ReLU6 = min(max(x, 0), 6) (MobileNetV2), computed as torch.nn.ReLU6 does (hardtanh): its
// backward is one pass, where clamp's builds two comparison masks and a select.
inline constexpr double kRelu6Max = 6.0;
inline torch::Tensor apply_relu6(const torch::Tensor& x) {
  return torch::hardtanh(x, 0.0, kRelu6Max);
}

}  // namespace tinynas::supernet
