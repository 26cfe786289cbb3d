#include "supernet/ofa_supernet.h"

#include <string>

namespace tinynas::supernet {

OFASupernetImpl::OFASupernetImpl(const space::SearchSpace& space) : space_(space) {
  const int first_channels = space.first_conv_channels();
  first_conv = register_module(
      "first_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(space.input_channels, first_channels,
                                                               space.first_conv_kernel_size)
                                          .stride(space.first_conv_stride)
                                          .padding(space.first_conv_kernel_size / 2)
                                          .bias(false)));
  torch::nn::init::kaiming_normal_(first_conv->weight, 0.0, torch::kFanOut, torch::kReLU);
  first_bn = register_module("first_bn", ElasticBatchNorm(first_channels));

  int channels = first_channels;
  for (size_t s = 0; s < space.stages.size(); ++s) {
    const int out_channels = space.stage_channels(static_cast<int>(s));
    std::vector<ElasticMBConvBlock> stage;
    for (int b = 0; b < space.max_depth(); ++b) {
      const int stride = b == 0 ? space.stages[s].stride : 1;
      stage.push_back(register_module("stage" + std::to_string(s) + "_block" + std::to_string(b),
                                      ElasticMBConvBlock(channels, out_channels, stride,
                                                         space.kernel_sizes, space.expand_ratios)));
      channels = out_channels;
    }
    blocks_.push_back(std::move(stage));
  }
  if (space.feature_mix_channels() > 0) {
    feature_mix = register_module(
        "feature_mix",
        torch::nn::Conv2d(
            torch::nn::Conv2dOptions(channels, space.feature_mix_channels(), 1).bias(false)));
    torch::nn::init::kaiming_normal_(feature_mix->weight, 0.0, torch::kFanOut, torch::kReLU);
    feature_mix_bn =
        register_module("feature_mix_bn", ElasticBatchNorm(space.feature_mix_channels()));
    channels = space.feature_mix_channels();
  }
  classifier = register_module("classifier", torch::nn::Linear(channels, space.num_classes));
  set_active_subnet(space::largest_subnet(space));
}

void OFASupernetImpl::set_active_subnet(const space::SubnetConfig& subnet) {
  space::validate_subnet(space_, subnet);
  for (size_t s = 0; s < subnet.stages.size(); ++s) {
    for (size_t b = 0; b < subnet.stages[s].size(); ++b) {
      blocks_[s][b]->set_active(subnet.stages[s][b].kernel_size, subnet.stages[s][b].expand_ratio);
    }
  }
  active_ = subnet;
}

torch::Tensor OFASupernetImpl::forward(const torch::Tensor& input) {
  // Channels-last activations: oneDNN's depthwise convolutions, above all their weight
  // gradient, run several times faster on them than on NCHW. A one-channel input is already
  // both layouts, so the first conv's output is converted too (a no-op when it already is).
  const auto channels_last = torch::MemoryFormat::ChannelsLast;
  torch::Tensor x = first_conv(input.contiguous(channels_last)).contiguous(channels_last);
  x = apply_relu6(first_bn(x));
  for (size_t s = 0; s < blocks_.size(); ++s) {
    const size_t depth = active_.stages[s].size();
    for (size_t b = 0; b < depth; ++b) x = blocks_[s][b]->forward(x);
  }
  if (feature_mix) x = apply_relu6(feature_mix_bn(feature_mix(x)));
  x = x.mean({2, 3});
  return classifier(x);
}

void OFASupernetImpl::sort_channels_by_importance() {
  for (auto& stage : blocks_) {
    for (auto& block : stage) block->sort_channels_by_importance();
  }
}

void OFASupernetImpl::start_batch_norm_recalibration() {
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* bn = module->as<ElasticBatchNormImpl>()) bn->start_recalibration();
  }
}

void OFASupernetImpl::synchronize_batch_norm(
    const std::shared_ptr<distributed::ProcessGroup>& group) {
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* bn = module->as<ElasticBatchNormImpl>()) bn->synchronize_statistics(group);
  }
}

void OFASupernetImpl::stop_batch_norm_recalibration() {
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* bn = module->as<ElasticBatchNormImpl>()) bn->stop_recalibration();
  }
}

}  // namespace tinynas::supernet
