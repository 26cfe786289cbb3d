// The elastic inverted-residual (MBConv) block: 1x1 expand -> k x k depthwise -> 1x1 project,
// with elastic kernel size and expand ratio. At expand ratio 1 there is no expand conv: the
// depthwise conv takes the block's input (its first in_channels channels). LibTorch header:
// supernet/ sources and tests only.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "supernet/elastic_layers.h"

namespace tinynas::supernet {

class ElasticMBConvBlockImpl : public torch::nn::Module {
 public:
  ElasticMBConvBlockImpl(int in_channels, int out_channels, int stride,
                         const std::vector<int>& kernel_sizes,
                         const std::vector<int>& expand_ratios);

  void set_active(int kernel_size, int expand_ratio);
  int active_kernel_size() const { return kernel_size_; }
  int active_mid_channels() const;
  bool active_expands() const { return expand_ratio_ != 1; }
  torch::Tensor forward(const torch::Tensor& input);

  // Sorts the middle channels by importance (L1 norm of each channel's expand weights),
  // most important first, so that every smaller expand ratio keeps the most important
  // channels (OFA 3.3 "elastic width"). The permutation is applied consistently to the expand
  // conv, its batch norm, the depthwise conv, its batch norm and the project conv's inputs, so
  // the largest block computes the same function before and after. A block with expand ratio 1
  // among its choices is left as it is: there, middle channel i is input channel i.
  void sort_channels_by_importance();

  int in_channels() const { return in_channels_; }
  int out_channels() const { return out_channels_; }
  int stride() const { return stride_; }
  bool residual() const { return stride_ == 1 && in_channels_ == out_channels_; }

  ElasticPointwiseConv expand{nullptr};
  ElasticBatchNorm expand_bn{nullptr};
  ElasticDepthwiseConv depthwise{nullptr};
  ElasticBatchNorm depthwise_bn{nullptr};
  ElasticPointwiseConv project{nullptr};
  ElasticBatchNorm project_bn{nullptr};

 private:
  int in_channels_, out_channels_, stride_;
  int kernel_size_, expand_ratio_;
  bool can_skip_expand_;  // 1 is one of the expand ratios
};
TORCH_MODULE(ElasticMBConvBlock);

}  // namespace tinynas::supernet
