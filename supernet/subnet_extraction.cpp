#include "supernet/subnet_extraction.h"

#include <torch/script.h>

#include <sstream>

#include "space/subnet_config.h"

namespace tinynas::supernet {
namespace {

// Folds eval-mode batch norm into the preceding bias-free convolution:
// w' = w * gamma / sqrt(var + eps), b' = beta - mean * gamma / sqrt(var + eps).
FoldedConv fold(const torch::Tensor& weight, ElasticBatchNormImpl& bn, int stride, int padding,
                int groups, bool relu6) {
  const int64_t c = weight.size(0);
  const torch::Tensor scale =
      bn.weight.narrow(0, 0, c) / torch::sqrt(bn.running_var.narrow(0, 0, c) + bn.eps);
  FoldedConv conv;
  conv.weight = (weight * scale.reshape({c, 1, 1, 1})).detach().clone();
  conv.bias = (bn.bias.narrow(0, 0, c) - bn.running_mean.narrow(0, 0, c) * scale).detach().clone();
  conv.stride = stride;
  conv.padding = padding;
  conv.groups = groups;
  conv.relu6 = relu6;
  return conv;
}

}  // namespace

torch::Tensor FoldedConv::forward(const torch::Tensor& input) const {
  const torch::Tensor y = torch::conv2d(input, weight, bias, stride, padding, 1, groups);
  return relu6 ? apply_relu6(y) : y;
}

torch::Tensor StandaloneBlock::branch(const torch::Tensor& input) const {
  return project.forward(depthwise.forward(expand ? expand->forward(input) : input));
}

torch::Tensor StandaloneNetwork::forward(const torch::Tensor& input) const {
  torch::Tensor x = first_conv.forward(input);
  for (const StandaloneBlock& block : blocks) {
    const torch::Tensor y = block.branch(x);
    x = block.residual ? y + x : y;
  }
  if (feature_mix) x = feature_mix->forward(x);
  return torch::linear(x.mean({2, 3}), classifier_weight, classifier_bias);
}

StandaloneNetwork extract_subnet(OFASupernetImpl& net, const space::SubnetConfig& subnet) {
  torch::NoGradGuard no_grad;
  net.set_active_subnet(subnet);
  StandaloneNetwork network;
  network.spec = space::to_network_spec(net.space(), subnet);
  network.first_conv = fold(net.first_conv->weight, *net.first_bn, net.space().first_conv_stride,
                            net.space().first_conv_kernel_size / 2, 1, true);
  for (size_t s = 0; s < subnet.stages.size(); ++s) {
    for (size_t b = 0; b < subnet.stages[s].size(); ++b) {
      ElasticMBConvBlockImpl& block = *net.blocks()[s][b];
      const int mid = block.active_mid_channels();
      const int k = block.active_kernel_size();
      StandaloneBlock out;
      if (block.active_expands()) {
        out.expand = fold(block.expand->weight.narrow(0, 0, mid), *block.expand_bn, 1, 0, 1, true);
      }
      out.depthwise = fold(block.depthwise->active_weight(k, mid), *block.depthwise_bn,
                           block.stride(), k / 2, mid, true);
      out.project =
          fold(block.project->weight.narrow(1, 0, mid), *block.project_bn, 1, 0, 1, false);
      out.residual = block.residual();
      network.blocks.push_back(out);
    }
  }
  if (net.feature_mix) {
    network.feature_mix = fold(net.feature_mix->weight, *net.feature_mix_bn, 1, 0, 1, true);
  }
  network.classifier_weight = net.classifier->weight.detach().clone();
  network.classifier_bias = net.classifier->bias.detach().clone();
  return network;
}

void save_torchscript(const StandaloneNetwork& network, const std::string& path) {
  torch::jit::Module module("TinynasSubnet");
  std::ostringstream code;
  code << "def forward(self, x):\n";
  int index = 0;
  auto emit_conv = [&](const FoldedConv& conv, const std::string& out, const std::string& in) {
    const std::string w = "w" + std::to_string(index), b = "b" + std::to_string(index);
    ++index;
    module.register_parameter(w, conv.weight, /*is_buffer=*/false);
    module.register_parameter(b, conv.bias, /*is_buffer=*/false);
    code << "    " << out << " = torch.conv2d(" << in << ", self." << w << ", self." << b << ", ["
         << conv.stride << ", " << conv.stride << "], [" << conv.padding << ", " << conv.padding
         << "], [1, 1], " << conv.groups << ")\n";
    if (conv.relu6) code << "    " << out << " = torch.clamp(" << out << ", 0.0, 6.0)\n";
  };
  emit_conv(network.first_conv, "x", "x");
  for (const StandaloneBlock& block : network.blocks) {
    if (block.expand) {
      emit_conv(*block.expand, "y", "x");
      emit_conv(block.depthwise, "y", "y");
    } else {
      emit_conv(block.depthwise, "y", "x");
    }
    emit_conv(block.project, "y", "y");
    code << "    x = " << (block.residual ? "y + x" : "y") << "\n";
  }
  if (network.feature_mix) emit_conv(*network.feature_mix, "x", "x");
  module.register_parameter("classifier_weight", network.classifier_weight, false);
  module.register_parameter("classifier_bias", network.classifier_bias, false);
  code << "    x = torch.mean(x, [2, 3])\n"
       << "    return torch.linear(x, self.classifier_weight, self.classifier_bias)\n";
  try {
    module.define(code.str());
    module.save(path);
  } catch (const c10::Error& e) {
    throw std::runtime_error(path +
                             ": cannot write TorchScript module: " + e.what_without_backtrace());
  }
}

}  // namespace tinynas::supernet
