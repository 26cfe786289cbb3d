// Extraction of one subnet from the supernet into a standalone network: the active slices of
// every weight, kernel transforms applied, batch norm folded into the convolutions (eval-mode
// statistics). The same structure is what int8 quantization lowers and what the TorchScript
// file contains. LibTorch header.
#pragma once

#include <torch/torch.h>

#include <optional>
#include <string>
#include <vector>

#include "engine/compiler/network_spec.h"
#include "supernet/ofa_supernet.h"

namespace tinynas::supernet {

// A convolution with batch norm folded in: y = conv(x, weight) + bias, then ReLU6 when `relu6`.
struct FoldedConv {
  torch::Tensor weight;  // [out, in / groups, k, k]
  torch::Tensor bias;    // [out]
  int stride = 1;
  int padding = 0;
  int groups = 1;
  bool relu6 = true;
  torch::Tensor forward(const torch::Tensor& input) const;
};

struct StandaloneBlock {
  std::optional<FoldedConv> expand;  // 1x1; absent at expand ratio 1
  FoldedConv depthwise;              // k x k, groups == channels
  FoldedConv project;                // 1x1, linear
  bool residual = false;
  // expand (if any) -> depthwise -> project, without the residual.
  torch::Tensor branch(const torch::Tensor& input) const;
};

struct StandaloneNetwork {
  compiler::NetworkSpec spec;
  FoldedConv first_conv;
  std::vector<StandaloneBlock> blocks;
  std::optional<FoldedConv> feature_mix;
  torch::Tensor classifier_weight;  // [classes, features]
  torch::Tensor classifier_bias;    // [classes]

  torch::Tensor forward(const torch::Tensor& input) const;  // NCHW float -> logits
  // The features before global pooling (for activation-range calibration).
};

// Uses the BN running statistics as they are: recalibrate the subnet first.
StandaloneNetwork extract_subnet(OFASupernetImpl& net, const space::SubnetConfig& subnet);

// A TorchScript module (torch.jit.load in Python) computing `network.forward`; input NCHW float
// normalised like the training data. Throws std::runtime_error naming the path on failure.
void save_torchscript(const StandaloneNetwork& network, const std::string& path);

}  // namespace tinynas::supernet
