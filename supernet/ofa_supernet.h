// The once-for-all supernet of a search space: first conv, stages of elastic MBConv blocks
// (elastic depth = the first d blocks of a stage run), optional feature-mix conv, global average
// pool, classifier. LibTorch header: supernet/ sources and tests only.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "space/search_space.h"
#include "space/subnet_config.h"
#include "supernet/elastic_block.h"

namespace tinynas::supernet {

class OFASupernetImpl : public torch::nn::Module {
 public:
  explicit OFASupernetImpl(const space::SearchSpace& space);

  // Throws std::invalid_argument when `subnet` is not in the space.
  void set_active_subnet(const space::SubnetConfig& subnet);
  const space::SubnetConfig& active_subnet() const { return active_; }
  torch::Tensor forward(const torch::Tensor& input);

  void sort_channels_by_importance();
  // BN recalibration of every elastic batch norm (see ElasticBatchNormImpl).
  void start_batch_norm_recalibration();
  void stop_batch_norm_recalibration();
  // Every elastic batch norm's training statistics over the ranks of `group`
  // (ElasticBatchNormImpl::synchronize_statistics).
  void synchronize_batch_norm(const std::shared_ptr<distributed::ProcessGroup>& group);

  const space::SearchSpace& space() const { return space_; }
  // blocks[stage][slot]
  const std::vector<std::vector<ElasticMBConvBlock>>& blocks() const { return blocks_; }
  std::vector<std::vector<ElasticMBConvBlock>>& blocks() { return blocks_; }

  torch::nn::Conv2d first_conv{nullptr};
  ElasticBatchNorm first_bn{nullptr};
  torch::nn::Conv2d feature_mix{nullptr};  // null when the space has none
  ElasticBatchNorm feature_mix_bn{nullptr};
  torch::nn::Linear classifier{nullptr};

 private:
  space::SearchSpace space_;
  space::SubnetConfig active_;
  std::vector<std::vector<ElasticMBConvBlock>> blocks_;
};
TORCH_MODULE(OFASupernet);

}  // namespace tinynas::supernet
