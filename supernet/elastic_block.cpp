#include "supernet/elastic_block.h"

#include "engine/compiler/arch_json.h"

namespace tinynas::supernet {

ElasticMBConvBlockImpl::ElasticMBConvBlockImpl(int in_channels, int out_channels, int stride,
                                               const std::vector<int>& kernel_sizes,
                                               const std::vector<int>& expand_ratios)
    : in_channels_(in_channels),
      out_channels_(out_channels),
      stride_(stride),
      kernel_size_(kernel_sizes.back()),
      expand_ratio_(expand_ratios.back()),
      can_skip_expand_(expand_ratios.front() == 1) {
  const int max_mid = compiler::expanded_channels(in_channels, expand_ratios.back());
  expand = register_module("expand", ElasticPointwiseConv(in_channels, max_mid));
  expand_bn = register_module("expand_bn", ElasticBatchNorm(max_mid));
  depthwise = register_module("depthwise", ElasticDepthwiseConv(max_mid, kernel_sizes));
  depthwise_bn = register_module("depthwise_bn", ElasticBatchNorm(max_mid));
  project = register_module("project", ElasticPointwiseConv(max_mid, out_channels));
  project_bn = register_module("project_bn", ElasticBatchNorm(out_channels));
}

void ElasticMBConvBlockImpl::set_active(int kernel_size, int expand_ratio) {
  kernel_size_ = kernel_size;
  expand_ratio_ = expand_ratio;
}

int ElasticMBConvBlockImpl::active_mid_channels() const {
  return compiler::expanded_channels(in_channels_, expand_ratio_);
}

torch::Tensor ElasticMBConvBlockImpl::forward(const torch::Tensor& input) {
  torch::Tensor x =
      active_expands() ? apply_relu6(expand_bn(expand(input, active_mid_channels()))) : input;
  x = apply_relu6(depthwise_bn(depthwise(x, kernel_size_, stride_)));
  x = project_bn(project(x, out_channels_));
  return residual() ? x + input : x;
}

void ElasticMBConvBlockImpl::sort_channels_by_importance() {
  if (can_skip_expand_) return;
  torch::NoGradGuard no_grad;
  const torch::Tensor importance = expand->weight.abs().sum({1, 2, 3});
  const torch::Tensor order = std::get<1>(importance.sort(/*dim=*/0, /*descending=*/true));
  auto permute = [&order](torch::Tensor& t, int64_t dim) { t.copy_(t.index_select(dim, order)); };
  permute(expand->weight, 0);
  for (ElasticBatchNorm* bn : {&expand_bn, &depthwise_bn}) {
    permute((*bn)->weight, 0);
    permute((*bn)->bias, 0);
    permute((*bn)->running_mean, 0);
    permute((*bn)->running_var, 0);
  }
  permute(depthwise->weight, 0);
  permute(project->weight, 1);
}

}  // namespace tinynas::supernet
