#include "supernet/int8_lowering.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "engine/compiler/graph_builder.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/model_writer.h"
#include "supernet/data_batches.h"

namespace tinynas::supernet {
namespace {

constexpr double kInt8Min = -128.0;
constexpr double kInt8Max = 127.0;
constexpr double kInt8Levels = 255.0;
constexpr double kMaxPixel = 255.0;
constexpr int32_t kPixelToInt8Offset = 128;  // q = pixel - 128
constexpr int32_t kBiasMax = INT32_MAX;

// Observed min/max of the float tensors that get their own int8 quantization.
using Ranges = std::map<std::string, std::pair<double, double>>;

void observe(Ranges& ranges, const std::string& name, const torch::Tensor& t) {
  const double lo = t.min().item<double>();
  const double hi = t.max().item<double>();
  auto it = ranges.find(name);
  if (it == ranges.end()) {
    ranges[name] = {lo, hi};
  } else {
    it->second.first = std::min(it->second.first, lo);
    it->second.second = std::max(it->second.second, hi);
  }
}

// The forward of StandaloneNetwork with the non-ReLU6 outputs observed, named like the ops of
// compiler::build_graph_structure.
void observe_forward(const StandaloneNetwork& network, const torch::Tensor& input, Ranges& ranges) {
  torch::Tensor x = network.first_conv.forward(input);
  for (size_t i = 0; i < network.blocks.size(); ++i) {
    const StandaloneBlock& block = network.blocks[i];
    const std::string prefix = "blocks." + std::to_string(i);
    torch::Tensor y = block.branch(x);
    observe(ranges, prefix + ".project", y);
    if (block.residual) {
      y = y + x;
      observe(ranges, prefix + ".add", y);
    }
    x = y;
  }
  if (network.feature_mix) x = network.feature_mix->forward(x);
  const torch::Tensor pooled = x.mean({2, 3});
  observe(ranges, "classifier",
          torch::linear(pooled, network.classifier_weight, network.classifier_bias));
}

// Asymmetric per-tensor quantization covering [min(lo, 0), max(hi, 0)].
void set_activation_quantization(compiler::Tensor& tensor, double lo, double hi) {
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  if (hi - lo <= 0.0) hi = lo + 1.0;
  const double scale = (hi - lo) / kInt8Levels;
  tensor.scale = static_cast<float>(scale);
  tensor.zero_point =
      static_cast<int32_t>(std::clamp(std::round(kInt8Min - lo / scale), kInt8Min, kInt8Max));
}

// weight: torch layout [O, I, kh, kw] (conv), [C, 1, kh, kw] (depthwise) or [O, I] (linear).
void set_weights(compiler::Graph& graph, compiler::Op& op, const torch::Tensor& weight,
                 const torch::Tensor& bias) {
  compiler::Tensor& tensor = graph.tensors.at(static_cast<size_t>(op.weights));
  const compiler::Tensor& input = graph.tensors.at(static_cast<size_t>(op.inputs.at(0)));
  const bool depthwise = op.kind == compiler::OpKind::kDepthwiseConv2d;
  const torch::Tensor w4 =
      weight.dim() == 2 ? weight.reshape({weight.size(0), weight.size(1), 1, 1}) : weight;
  const int64_t out_channels = w4.size(0);
  // Symmetric per output channel: scale_c = max|w_c| / 127.
  const torch::Tensor max_abs = w4.abs().amax({1, 2, 3}).clamp_min(1e-12);
  const torch::Tensor scales = max_abs / kInt8Max;
  const torch::Tensor q =
      torch::round(w4 / scales.reshape({out_channels, 1, 1, 1})).clamp(-kInt8Max, kInt8Max);
  // Engine layouts: conv / fully connected OHWI, depthwise 1,KH,KW,C.
  const torch::Tensor laid_out =
      (depthwise ? q.permute({1, 2, 3, 0}) : q.permute({0, 2, 3, 1})).contiguous().to(torch::kInt8);
  if (laid_out.numel() != tensor.shape.elements()) {
    throw std::invalid_argument("lowering: op " + op.name + " expects " +
                                std::to_string(tensor.shape.elements()) + " weights, network has " +
                                std::to_string(laid_out.numel()));
  }
  tensor.data.assign(laid_out.data_ptr<int8_t>(), laid_out.data_ptr<int8_t>() + laid_out.numel());
  tensor.channel_scales.resize(static_cast<size_t>(out_channels));
  op.bias.resize(static_cast<size_t>(out_channels));
  const torch::Tensor scales_f = scales.to(torch::kFloat32).contiguous();
  const torch::Tensor bias_f = bias.to(torch::kFloat64).contiguous();
  for (int64_t c = 0; c < out_channels; ++c) {
    const float s = scales_f.data_ptr<float>()[c];
    tensor.channel_scales[static_cast<size_t>(c)] = s;
    const double bias_scale = static_cast<double>(input.scale) * s;
    const double b = std::round(bias_f.data_ptr<double>()[c] / bias_scale);
    if (std::abs(b) > kBiasMax) {
      throw std::invalid_argument("lowering: op " + op.name + " channel " + std::to_string(c) +
                                  ": bias does not fit int32 at this input scale");
    }
    op.bias[static_cast<size_t>(c)] = static_cast<int32_t>(b);
  }
}

compiler::Op& op_named(compiler::Graph& graph, const std::string& name) {
  const int index = compiler::find_op(graph, name);
  if (index < 0) throw std::invalid_argument("lowering: the engine graph has no op '" + name + "'");
  return graph.ops[static_cast<size_t>(index)];
}

// The int8 input carries one scale, 1 / (255 * input_std); the network was trained on channel c
// scaled by 1 / (255 * std_c). Input channel c of the first convolution's weights takes the
// ratio input_std / std_c, which makes the two the same (exactly: the padding is 0 in both).
torch::Tensor fold_channel_scales(const torch::Tensor& weight, const ImageDataset& dataset) {
  if (dataset.channels == 1) return weight;
  std::vector<float> ratios;
  for (int c = 0; c < dataset.channels; ++c) {
    ratios.push_back(dataset.input_std() / dataset.channel_std(c));
  }
  const torch::Tensor ratio =
      torch::tensor(ratios, weight.options()).view({1, dataset.channels, 1, 1});
  return weight * ratio;
}

}  // namespace

InputQuantization input_quantization(const ImageDataset& dataset) {
  InputQuantization q;
  q.scale = static_cast<float>(1.0 / (kMaxPixel * dataset.input_std()));
  // real = scale * (q - zp) with q = pixel - 128 must equal (pixel/255 - mean) / std.
  q.zero_point = static_cast<int32_t>(std::lround(dataset.mean * kMaxPixel)) - kPixelToInt8Offset;
  return q;
}

std::vector<int8_t> quantize_image(const ImageDataset& dataset, size_t index,
                                   const InputQuantization& /*quantization*/) {
  const uint8_t* image = dataset.image(index);
  std::vector<int8_t> bytes(dataset.image_bytes());
  const int hw = dataset.height * dataset.width;
  // CHW pixels -> HWC int8.
  for (int c = 0; c < dataset.channels; ++c) {
    for (int p = 0; p < hw; ++p) {
      bytes[static_cast<size_t>(p * dataset.channels + c)] =
          static_cast<int8_t>(static_cast<int32_t>(image[c * hw + p]) - kPixelToInt8Offset);
    }
  }
  return bytes;
}

compiler::Graph lower_to_int8_graph(const StandaloneNetwork& network,
                                    const ImageDataset& calibration, int calibration_batches,
                                    int batch_size) {
  torch::NoGradGuard no_grad;
  Ranges ranges;
  const std::vector<size_t> order = sequential_order(calibration.size());
  for (int b = 0; b < calibration_batches; ++b) {
    const size_t begin = static_cast<size_t>(b) * static_cast<size_t>(batch_size);
    if (begin >= calibration.size()) break;
    const size_t end = std::min(calibration.size(), begin + static_cast<size_t>(batch_size));
    observe_forward(network, make_batch(calibration, order, begin, end).images, ranges);
  }

  const InputQuantization input = input_quantization(calibration);
  compiler::Graph graph =
      compiler::build_graph_structure(network.spec, input.scale, input.zero_point);
  // Activation quantization first: bias scales depend on each op's input scale.
  for (const auto& [name, range] : ranges) {
    const int tensor = compiler::find_tensor(graph, name);
    if (tensor < 0)
      throw std::invalid_argument("lowering: the engine graph has no tensor '" + name + "'");
    set_activation_quantization(graph.tensors[static_cast<size_t>(tensor)], range.first,
                                range.second);
  }
  // The average pool keeps its input's quantization (a mean stays inside the input range).
  compiler::Op& pool = op_named(graph, "pool");
  graph.tensors[static_cast<size_t>(pool.output)].scale =
      graph.tensors[static_cast<size_t>(pool.inputs.at(0))].scale;
  graph.tensors[static_cast<size_t>(pool.output)].zero_point =
      graph.tensors[static_cast<size_t>(pool.inputs.at(0))].zero_point;

  set_weights(graph, op_named(graph, "first_conv"),
              fold_channel_scales(network.first_conv.weight, calibration), network.first_conv.bias);
  for (size_t i = 0; i < network.blocks.size(); ++i) {
    const std::string prefix = "blocks." + std::to_string(i);
    const StandaloneBlock& block = network.blocks[i];
    if (block.expand) {
      set_weights(graph, op_named(graph, prefix + ".expand"), block.expand->weight,
                  block.expand->bias);
    }
    set_weights(graph, op_named(graph, prefix + ".depthwise"), block.depthwise.weight,
                block.depthwise.bias);
    set_weights(graph, op_named(graph, prefix + ".project"), block.project.weight,
                block.project.bias);
  }
  if (network.feature_mix) {
    set_weights(graph, op_named(graph, "feature_mix"), network.feature_mix->weight,
                network.feature_mix->bias);
  }
  set_weights(graph, op_named(graph, "classifier"), network.classifier_weight,
              network.classifier_bias);
  return graph;
}

std::vector<uint8_t> write_int8_model(const compiler::Graph& graph,
                                      const compiler::PlannerOptions& planner) {
  return compiler::write_model(graph, compiler::plan_memory(graph, planner));
}

}  // namespace tinynas::supernet
