#include "supernet/float_graph.h"

#include <torch/torch.h>

#include <stdexcept>
#include <string>

namespace tinynas::supernet {
namespace {

namespace F = torch::nn::functional;
using compiler::Graph;
using compiler::Op;
using compiler::OpKind;

constexpr int kInt8Min = -128;
constexpr int kInt8Max = 127;
constexpr double kRelu6Limit = 6.0;

bool trainable(const Op& op) { return compiler::op_has_weights(op.kind) && op.weights >= 0; }

// The weight as LibTorch lays it out: conv [O, I, KH, KW] from OHWI, depthwise [C, 1, KH, KW]
// from [1, KH, KW, C], fully connected [O, I] from [O, 1, 1, I]; int8 x its output channel's
// scale.
torch::Tensor real_weight(const Graph& graph, const Op& op) {
  const compiler::Tensor& weights = graph.tensors[op.weights];
  const compiler::TensorShape& s = weights.shape;
  torch::Tensor q = torch::tensor(std::vector<float>(weights.data.begin(), weights.data.end()))
                        .reshape({s.n, s.h, s.w, s.c});
  const bool depthwise = op.kind == OpKind::kDepthwiseConv2d;
  const int channels = depthwise ? s.c : s.n;
  std::vector<float> scales(channels, weights.scale);
  for (int c = 0; c < channels && c < static_cast<int>(weights.channel_scales.size()); ++c) {
    scales[c] = weights.channel_scales[c];
  }
  const torch::Tensor scale = torch::tensor(scales);
  if (depthwise) return (q * scale).permute({3, 0, 1, 2}).contiguous();
  const torch::Tensor real = q * scale.reshape({channels, 1, 1, 1});
  if (op.kind == OpKind::kFullyConnected) return real.reshape({s.n, s.h * s.w * s.c}).contiguous();
  return real.permute({0, 3, 1, 2}).contiguous();
}

// The int32 bias x input scale x weight scale of its channel.
torch::Tensor real_bias(const Graph& graph, const Op& op) {
  const compiler::Tensor& weights = graph.tensors[op.weights];
  const float input_scale = graph.tensors[op.inputs[0]].scale;
  std::vector<float> bias(op.bias.size());
  for (size_t c = 0; c < bias.size(); ++c) {
    const float weight_scale =
        c < weights.channel_scales.size() ? weights.channel_scales[c] : weights.scale;
    bias[c] = static_cast<float>(op.bias[c]) * input_scale * weight_scale;
  }
  return torch::tensor(bias);
}

// NCHW <-> the NHWC order the graph's shapes and flattening use.
torch::Tensor as_nhwc_shape(const torch::Tensor& x, const compiler::TensorShape& shape) {
  return x.permute({0, 2, 3, 1})
      .reshape({x.size(0), shape.h, shape.w, shape.c})
      .permute({0, 3, 1, 2});
}

}  // namespace

struct FloatGraphModel::State {
  const Graph* graph = nullptr;
  int logits = -1;  // the tensor the loss reads (a softmax at the output does not run)
  std::vector<torch::Tensor> weights;  // per op (undefined without weights)
  std::vector<torch::Tensor> biases;
  std::vector<torch::Tensor> weight_masks;  // per op: 1 on the trained input channels
  std::vector<int> trained_ops;

  torch::Tensor clamp_output(const Op& op, torch::Tensor x) const {
    if (compiler::op_has_activation(op.kind)) {
      if (op.activation == compiler::Activation::kRelu) x = torch::relu(x);
      if (op.activation == compiler::Activation::kRelu6) x = torch::clamp(x, 0.0, kRelu6Limit);
    }
    const compiler::Tensor& out = graph->tensors[op.output];
    return torch::clamp(x, (kInt8Min - out.zero_point) * static_cast<double>(out.scale),
                        (kInt8Max - out.zero_point) * static_cast<double>(out.scale));
  }

  torch::Tensor run_op(size_t index, const std::vector<torch::Tensor>& values) const {
    const Op& op = graph->ops[index];
    const torch::Tensor& x = values[op.inputs[0]];
    const compiler::TensorShape& out = graph->tensors[op.output].shape;
    switch (op.kind) {
      case OpKind::kConv2d:
      case OpKind::kDepthwiseConv2d: {
        const torch::Tensor padded =
            F::pad(x, F::PadFuncOptions({op.pad_left, op.pad_right, op.pad_top, op.pad_bottom}));
        const int64_t groups = op.kind == OpKind::kDepthwiseConv2d ? x.size(1) : 1;
        return clamp_output(op, F::conv2d(padded, weights[index],
                                          F::Conv2dFuncOptions()
                                              .bias(biases[index])
                                              .stride({op.stride_h, op.stride_w})
                                              .groups(groups)));
      }
      case OpKind::kFullyConnected: {
        const torch::Tensor flat = x.permute({0, 2, 3, 1}).reshape({x.size(0), -1});
        return clamp_output(op, F::linear(flat, weights[index], biases[index]))
            .reshape({x.size(0), out.c, 1, 1});
      }
      case OpKind::kAdd:
        return clamp_output(op, x + values[op.inputs[1]]);
      case OpKind::kGlobalAveragePool:
      case OpKind::kMean:
        return clamp_output(op, x.mean({2, 3}, true));
      case OpKind::kAveragePool2d:
      case OpKind::kMaxPool2d: {
        if (op.pad_top || op.pad_left || op.pad_bottom || op.pad_right) {
          throw std::invalid_argument("float model: op " + std::to_string(index) + " '" + op.name +
                                      "': a pooling window with padding is not supported");
        }
        const std::vector<int64_t> kernel = {op.kernel_h, op.kernel_w};
        const std::vector<int64_t> stride = {op.stride_h, op.stride_w};
        return clamp_output(op,
                            op.kind == OpKind::kMaxPool2d
                                ? F::max_pool2d(x, F::MaxPool2dFuncOptions(kernel).stride(stride))
                                : F::avg_pool2d(x, F::AvgPool2dFuncOptions(kernel).stride(stride)));
      }
      case OpKind::kSoftmax:
        return torch::softmax(x, 1);
      case OpKind::kReshape:
        return as_nhwc_shape(x, out);
      case OpKind::kPad:
        return F::pad(x, F::PadFuncOptions({op.pad_left, op.pad_right, op.pad_top, op.pad_bottom}));
      case OpKind::kConcatenation: {
        std::vector<torch::Tensor> parts;
        for (const int input : op.inputs) parts.push_back(values[input]);
        return clamp_output(op, torch::cat(parts, 1));
      }
      case OpKind::kQuantize:
        return clamp_output(op, x);
    }
    throw std::invalid_argument("float model: op " + std::to_string(index) + " '" + op.name +
                                "' has an unknown kind");
  }

  torch::Tensor forward(const std::vector<int8_t>& inputs, int count) const {
    const compiler::Tensor& input = graph->tensors[graph->input];
    const compiler::TensorShape& s = input.shape;
    if (static_cast<int64_t>(inputs.size()) != count * s.h * s.w * s.c) {
      throw std::invalid_argument("float model: " + std::to_string(inputs.size()) +
                                  " input bytes for " + std::to_string(count) + " inputs of " +
                                  std::to_string(s.h * s.w * s.c));
    }
    const torch::Tensor q = torch::tensor(std::vector<float>(inputs.begin(), inputs.end()))
                                .reshape({count, s.h, s.w, s.c});
    std::vector<torch::Tensor> values(graph->tensors.size());
    values[graph->input] =
        ((q - static_cast<float>(input.zero_point)) * input.scale).permute({0, 3, 1, 2});
    for (size_t i = 0; i < graph->ops.size(); ++i) {
      const Op& op = graph->ops[i];
      if (op.output == graph->output && op.kind == OpKind::kSoftmax) continue;
      values[op.output] = run_op(i, values);
    }
    return values[logits].reshape({count, -1});
  }
};

FloatGraphModel::FloatGraphModel(const Graph& graph) : state_(std::make_unique<State>()) {
  state_->graph = &graph;
  state_->logits = graph.output;
  for (const Op& op : graph.ops) {
    if (op.output == graph.output && op.kind == OpKind::kSoftmax) state_->logits = op.inputs[0];
    if ((op.kind == OpKind::kAveragePool2d || op.kind == OpKind::kMaxPool2d) &&
        (op.pad_top || op.pad_left || op.pad_bottom || op.pad_right)) {
      throw std::invalid_argument("float model: op '" + op.name +
                                  "': a pooling window with padding is not supported");
    }
  }
  reset();
}

FloatGraphModel::~FloatGraphModel() = default;

void FloatGraphModel::reset() {
  const Graph& graph = *state_->graph;
  state_->weights.assign(graph.ops.size(), torch::Tensor());
  state_->biases.assign(graph.ops.size(), torch::Tensor());
  state_->weight_masks.assign(graph.ops.size(), torch::Tensor());
  state_->trained_ops.clear();
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const Op& op = graph.ops[i];
    if (!trainable(op)) continue;
    state_->weights[i] = real_weight(graph, op);
    state_->biases[i] =
        op.bias.empty() ? torch::zeros({state_->weights[i].size(0)}) : real_bias(graph, op);
  }
}

void FloatGraphModel::set_trained(const std::vector<compiler::ResolvedLayer>& layers) {
  State& s = *state_;
  for (const int op : s.trained_ops) {
    s.weights[op] = s.weights[op].detach().set_requires_grad(false);
    s.biases[op] = s.biases[op].detach().set_requires_grad(false);
    s.weight_masks[op] = torch::Tensor();
  }
  s.trained_ops.clear();
  for (const compiler::ResolvedLayer& layer : layers) {
    const Op& op = s.graph->ops[layer.op];
    s.trained_ops.push_back(layer.op);
    if (layer.bias) s.biases[layer.op].set_requires_grad(true);
    if (layer.channels.empty()) continue;
    s.weights[layer.op].set_requires_grad(true);
    // The ratio's channel dimension: a depthwise weight's channels (dim 0 here), a conv's and a
    // fully connected layer's input channels (dim 1).
    const int64_t dim = op.kind == OpKind::kDepthwiseConv2d ? 0 : 1;
    std::vector<int64_t> shape(s.weights[layer.op].dim(), 1);
    shape[dim] = s.weights[layer.op].size(dim);
    torch::Tensor mask = torch::zeros({shape[dim]});
    for (const int c : layer.channels) mask[c] = 1.0f;
    s.weight_masks[layer.op] = mask.reshape(shape);
  }
}

std::vector<float> FloatGraphModel::logits(const std::vector<int8_t>& inputs, int count) const {
  torch::NoGradGuard no_grad;
  const torch::Tensor out = state_->forward(inputs, count).contiguous();
  return std::vector<float>(out.data_ptr<float>(), out.data_ptr<float>() + out.numel());
}

float FloatGraphModel::train_step(const std::vector<int8_t>& inputs, const std::vector<int>& labels,
                                  float learning_rate) {
  State& s = *state_;
  const int count = static_cast<int>(labels.size());
  const torch::Tensor out = s.forward(inputs, count);
  const torch::Tensor target =
      torch::tensor(std::vector<int64_t>(labels.begin(), labels.end()), torch::kLong);
  const torch::Tensor loss = F::cross_entropy(out, target);
  if (!loss.requires_grad()) return loss.item<float>();
  loss.backward();
  torch::NoGradGuard no_grad;
  for (const int op : s.trained_ops) {
    for (torch::Tensor* parameter : {&s.weights[op], &s.biases[op]}) {
      if (!parameter->requires_grad() || !parameter->grad().defined()) continue;
      torch::Tensor gradient = parameter->grad();
      if (parameter == &s.weights[op]) gradient = gradient * s.weight_masks[op];
      parameter->sub_(gradient * learning_rate);
      parameter->mutable_grad().zero_();
    }
  }
  return loss.item<float>();
}

std::vector<float> FloatGraphModel::weights(int op) const {
  const torch::Tensor& w = state_->weights.at(static_cast<size_t>(op));
  if (!w.defined())
    throw std::invalid_argument("float model: op " + std::to_string(op) + " has no weights");
  const OpKind kind = state_->graph->ops[op].kind;
  torch::Tensor layout = w.detach();
  if (kind == OpKind::kConv2d) layout = layout.permute({0, 2, 3, 1});
  if (kind == OpKind::kDepthwiseConv2d) layout = layout.permute({1, 2, 3, 0});
  layout = layout.contiguous();
  return std::vector<float>(layout.data_ptr<float>(), layout.data_ptr<float>() + layout.numel());
}

int FloatGraphModel::classes() const { return state_->graph->tensors[state_->logits].shape.c; }

int64_t FloatGraphModel::input_elements() const {
  const compiler::TensorShape& s = state_->graph->tensors[state_->graph->input].shape;
  return int64_t{s.h} * s.w * s.c;
}

}  // namespace tinynas::supernet
