#include "engine/compiler/graph_builder.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

#include "engine/compiler/graph_validation.h"
#include "engine/compiler/network_spec_validation.h"

namespace tinynas::compiler {
namespace {

// ---- structure -----------------------------------------------------------------------------

constexpr int kPointwiseKernel = 1;

// SAME padding of an odd kernel: k/2 on top/left, the rest on bottom/right as the output size
// (ceil(input / stride), PyTorch's floor((in + 2p - k) / s) + 1 with p = k/2) requires.
int same_output_size(int input, int kernel, int stride) {
  return (input + 2 * (kernel / 2) - kernel) / stride + 1;
}
int same_pad_after(int input, int output, int kernel, int stride) {
  return std::max(0, (output - 1) * stride + kernel - input - kernel / 2);
}

class StructureBuilder {
 public:
  explicit StructureBuilder(Graph& graph) : graph_(graph) {}

  int input(const TensorShape& shape, float scale, int32_t zero_point) {
    Tensor tensor;
    tensor.name = "input";
    tensor.shape = shape;
    tensor.scale = scale;
    tensor.zero_point = zero_point;
    graph_.input = graph_.add_tensor(std::move(tensor));
    return graph_.input;
  }

  // k x k Conv2d (OHWI weights) or depthwise (1,KH,KW,C weights) with SAME padding.
  int conv(OpKind kind, const std::string& name, int input, int out_channels, int kernel,
           int stride, Activation activation) {
    const TensorShape in = graph_.tensors[input].shape;
    TensorShape out{1, same_output_size(in.h, kernel, stride),
                    same_output_size(in.w, kernel, stride), out_channels};
    const TensorShape weight_shape = kind == OpKind::kDepthwiseConv2d
                                         ? TensorShape{1, kernel, kernel, in.c}
                                         : TensorShape{out_channels, kernel, kernel, in.c};
    Op op;
    op.kind = kind;
    op.name = name;
    op.inputs = {input};
    op.weights = add_weights(name, weight_shape, out_channels);
    op.bias.assign(out_channels, 0);
    op.output = add_activation(name, out, activation);
    op.kernel_h = op.kernel_w = kernel;
    op.stride_h = op.stride_w = stride;
    op.pad_top = op.pad_left = kernel / 2;
    op.pad_bottom = same_pad_after(in.h, out.h, kernel, stride);
    op.pad_right = same_pad_after(in.w, out.w, kernel, stride);
    op.activation = activation;
    op.allow_in_place = kind == OpKind::kDepthwiseConv2d;
    graph_.add_op(std::move(op));
    return graph_.ops.back().output;
  }

  int add(const std::string& name, int input0, int input1) {
    Op op;
    op.kind = OpKind::kAdd;
    op.name = name;
    op.inputs = {input0, input1};
    op.output = add_activation(name, graph_.tensors[input0].shape, Activation::kNone);
    graph_.add_op(std::move(op));
    return graph_.ops.back().output;
  }

  int global_average_pool(const std::string& name, int input) {
    const TensorShape in = graph_.tensors[input].shape;
    Op op;
    op.kind = OpKind::kGlobalAveragePool;
    op.name = name;
    op.inputs = {input};
    op.output = add_activation(name, TensorShape{1, 1, 1, in.c}, Activation::kNone);
    graph_.add_op(std::move(op));
    return graph_.ops.back().output;
  }

  int fully_connected(const std::string& name, int input, int out_features) {
    const int64_t in_features = graph_.tensors[input].shape.elements();
    Op op;
    op.kind = OpKind::kFullyConnected;
    op.name = name;
    op.inputs = {input};
    op.weights = add_weights(name, TensorShape{out_features, 1, 1, static_cast<int>(in_features)},
                             out_features);
    op.bias.assign(out_features, 0);
    op.output = add_activation(name, TensorShape{1, 1, 1, out_features}, Activation::kNone);
    graph_.add_op(std::move(op));
    return graph_.ops.back().output;
  }

 private:
  int add_weights(const std::string& op_name, const TensorShape& shape, int out_channels) {
    Tensor weights;
    weights.name = op_name + ".weight";
    weights.shape = shape;
    weights.is_constant = true;
    weights.channel_scales.assign(out_channels, 1.0f);
    weights.data.assign(static_cast<size_t>(shape.elements()), 0);
    return graph_.add_tensor(std::move(weights));
  }

  int add_activation(const std::string& name, const TensorShape& shape, Activation activation) {
    Tensor tensor;
    tensor.name = name;
    tensor.shape = shape;
    if (activation == Activation::kRelu6) {
      tensor.scale = kRelu6OutputScale;
      tensor.zero_point = kRelu6OutputZeroPoint;
    }
    return graph_.add_tensor(std::move(tensor));
  }

  Graph& graph_;
};

// ---- random weights ------------------------------------------------------------------------

constexpr int kWeightQuantMax = 127;  // symmetric int8 weights use [-127, 127]
constexpr int kInt8Levels = 255;      // (qmax - qmin) of an int8 activation
constexpr int32_t kInt8Min = -128;
constexpr int32_t kInt8Max = 127;
// Pre-activation standard deviation each layer aims at. ReLU6: half the clip range, so that
// about half of the outputs land inside (0, 6) and few saturate. Linear / ReLU: unit variance.
constexpr double kRelu6PreActivationStd = 3.0;
constexpr double kLinearPreActivationStd = 1.0;
constexpr double kRangeStds = 4.0;            // activation range covers mean +- 4 std
constexpr double kChannelScaleJitter = 0.25;  // per-channel weight scales vary by +-25%
constexpr double kBiasFraction = 0.1;         // biases uniform in +-10% of the pre-act std
constexpr double kRelu6Max = 6.0;
constexpr double kPi = 3.14159265358979323846;

// First and second moment of a tensor's real values, propagated op by op.
struct ValueStats {
  double mean = 0.0;
  double second_moment = 1.0;
  double variance() const { return std::max(0.0, second_moment - mean * mean); }
};

// Moments of clamp(X, 0, upper) for X ~ N(0, sigma^2) (ReLU: upper = inf).
ValueStats clipped_normal_stats(double sigma, double upper) {
  const double inv_sqrt_2pi = 1.0 / std::sqrt(2.0 * kPi);
  if (std::isinf(upper)) return {sigma * inv_sqrt_2pi, 0.5 * sigma * sigma};
  const double u = upper / sigma;
  const double tail = 0.5 * std::erfc(u / std::sqrt(2.0));
  const double density = std::exp(-0.5 * u * u) * inv_sqrt_2pi;
  ValueStats stats;
  stats.mean = sigma * inv_sqrt_2pi * (1.0 - std::exp(-0.5 * u * u)) + upper * tail;
  stats.second_moment =
      sigma * sigma * (0.5 * std::erf(u / std::sqrt(2.0)) - u * density) + upper * upper * tail;
  return stats;
}

// Asymmetric int8 quantization of a real range that contains 0.
void quantize_range(Tensor& tensor, double lo, double hi) {
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  const double scale = (hi - lo) / kInt8Levels;
  tensor.scale = static_cast<float>(scale);
  const double zero_point = std::round(kInt8Min - lo / scale);
  tensor.zero_point = static_cast<int32_t>(std::clamp<double>(zero_point, kInt8Min, kInt8Max));
}

ValueStats input_stats(const Tensor& input) {
  // Uniform over all int8 codes.
  ValueStats stats;
  const double scale = input.scale;
  stats.mean = scale * (-0.5 - input.zero_point);
  const double variance = scale * scale * (kInt8Levels + 1) * (kInt8Levels + 1) / 12.0;
  stats.second_moment = variance + stats.mean * stats.mean;
  return stats;
}

class RandomWeights {
 public:
  RandomWeights(Graph& graph, uint32_t seed) : graph_(graph), random_(seed) {}

  void fill() {
    if (graph_.input < 0 || graph_.input >= static_cast<int>(graph_.tensors.size())) {
      throw std::invalid_argument("fill_random_weights: the graph has no input tensor");
    }
    stats_.assign(graph_.tensors.size(), ValueStats{});
    stats_[graph_.input] = input_stats(graph_.tensors[graph_.input]);
    for (Op& op : graph_.ops) {
      switch (op.kind) {
        case OpKind::kConv2d:
        case OpKind::kDepthwiseConv2d:
        case OpKind::kFullyConnected:
          fill_weighted(op);
          break;
        case OpKind::kAdd:
          fill_add(op);
          break;
        case OpKind::kAveragePool2d:
        case OpKind::kGlobalAveragePool:
        case OpKind::kMaxPool2d:
        case OpKind::kReshape:
        case OpKind::kPad:
          fill_pool(op);
          break;
        case OpKind::kMean:
        case OpKind::kQuantize:
          fill_requantized(op);
          break;
        case OpKind::kConcatenation:
          fill_concatenation(op);
          break;
        case OpKind::kSoftmax:
          fill_softmax(op);
          break;
      }
    }
  }

 private:
  double uniform(double lo, double hi) {
    constexpr double kTwoPow32 = 4294967296.0;
    return lo + (hi - lo) * (static_cast<double>(random_()) / kTwoPow32);
  }
  int8_t random_weight() {
    constexpr uint32_t kCodes = 2 * kWeightQuantMax + 1;
    return static_cast<int8_t>(static_cast<int>(random_() % kCodes) - kWeightQuantMax);
  }

  void fill_weighted(Op& op) {
    const Tensor& input = graph_.tensors.at(op.inputs.at(0));
    Tensor& weights = graph_.tensors.at(op.weights);
    Tensor& output = graph_.tensors.at(op.output);
    const int out_channels = output.shape.c;
    const int64_t fan_in =
        op.kind == OpKind::kConv2d            ? int64_t{op.kernel_h} * op.kernel_w * input.shape.c
        : op.kind == OpKind::kDepthwiseConv2d ? int64_t{op.kernel_h} * op.kernel_w
                                              : input.shape.elements();
    const double input_rms = std::sqrt(std::max(stats_[op.inputs[0]].second_moment, 1e-12));
    const double target_std =
        op.activation == Activation::kRelu6 ? kRelu6PreActivationStd : kLinearPreActivationStd;
    // Var(sum of fan_in products w*x) = fan_in * Var(w) * E[x^2] for zero-mean weights.
    const double weight_std = target_std / (std::sqrt(static_cast<double>(fan_in)) * input_rms);
    // Uniform integers in [-127, 127] have standard deviation sqrt(127 * 128 / 3).
    const double code_std = std::sqrt(kWeightQuantMax * (kWeightQuantMax + 1) / 3.0);

    weights.channel_scales.resize(out_channels);
    for (int c = 0; c < out_channels; ++c) {
      const double jitter = uniform(1.0 - kChannelScaleJitter, 1.0 + kChannelScaleJitter);
      weights.channel_scales[c] = static_cast<float>(weight_std * jitter / code_std);
    }
    weights.data.resize(static_cast<size_t>(weights.shape.elements()));
    for (int8_t& value : weights.data) value = random_weight();
    op.bias.resize(out_channels);
    for (int c = 0; c < out_channels; ++c) {
      const double bias = uniform(-kBiasFraction, kBiasFraction) * target_std;
      const double bias_scale = static_cast<double>(input.scale) * weights.channel_scales[c];
      op.bias[c] = static_cast<int32_t>(std::lround(bias / bias_scale));
    }

    ValueStats out_stats;
    switch (op.activation) {
      case Activation::kRelu6:
        output.scale = kRelu6OutputScale;
        output.zero_point = kRelu6OutputZeroPoint;
        out_stats = clipped_normal_stats(target_std, kRelu6Max);
        break;
      case Activation::kRelu:
        quantize_range(output, 0.0, kRangeStds * target_std);
        out_stats = clipped_normal_stats(target_std, std::numeric_limits<double>::infinity());
        break;
      case Activation::kNone:
        quantize_range(output, -kRangeStds * target_std, kRangeStds * target_std);
        out_stats = ValueStats{0.0, target_std * target_std};
        break;
    }
    stats_[op.output] = out_stats;
  }

  void fill_add(Op& op) {
    const ValueStats& a = stats_.at(op.inputs.at(0));
    const ValueStats& b = stats_.at(op.inputs.at(1));
    ValueStats sum;
    sum.mean = a.mean + b.mean;
    const double variance = a.variance() + b.variance();  // treating the inputs as independent
    sum.second_moment = variance + sum.mean * sum.mean;
    const double spread = kRangeStds * std::sqrt(variance);
    quantize_range(graph_.tensors.at(op.output), sum.mean - spread, sum.mean + spread);
    stats_[op.output] = sum;
  }

  // A range of mean +- kRangeStds standard deviations.
  void quantize_stats(Tensor& tensor, const ValueStats& stats) {
    const double spread = kRangeStds * std::sqrt(stats.variance());
    quantize_range(tensor, stats.mean - spread, stats.mean + spread);
  }

  // Mean and requantization: an output quantization of their own (from the input's statistics),
  // so that the requantization is not the identity.
  void fill_requantized(Op& op) {
    const ValueStats& in = stats_.at(op.inputs.at(0));
    quantize_stats(graph_.tensors.at(op.output), in);
    stats_[op.output] = in;
  }

  // The output covers every input's range; inputs keep theirs (and are requantized).
  void fill_concatenation(Op& op) {
    ValueStats all{0.0, 0.0};
    for (int input : op.inputs) {
      all.mean += stats_.at(input).mean / static_cast<double>(op.inputs.size());
      all.second_moment += stats_.at(input).second_moment / static_cast<double>(op.inputs.size());
    }
    quantize_stats(graph_.tensors.at(op.output), all);
    stats_[op.output] = all;
  }

  void fill_softmax(Op& op) {
    constexpr float kSoftmaxOutputScale = 1.0f / 256.0f;
    constexpr int32_t kSoftmaxOutputZeroPoint = -128;
    Tensor& output = graph_.tensors.at(op.output);
    output.scale = kSoftmaxOutputScale;
    output.zero_point = kSoftmaxOutputZeroPoint;
    const double probability = 1.0 / output.shape.c;
    stats_[op.output] = ValueStats{probability, probability};
  }

  void fill_pool(Op& op) {
    // An average, a maximum, a view and padding stay inside their input's range: keep the input
    // quantization. The second moment is kept as an upper bound.
    const Tensor& input = graph_.tensors.at(op.inputs.at(0));
    Tensor& output = graph_.tensors.at(op.output);
    output.scale = input.scale;
    output.zero_point = input.zero_point;
    stats_[op.output] = stats_[op.inputs[0]];
  }

  Graph& graph_;
  std::mt19937 random_;
  std::vector<ValueStats> stats_;
};

}  // namespace

Graph build_graph_structure(const NetworkSpec& spec, float input_scale, int32_t input_zero_point) {
  validate_network_spec(spec);
  Graph graph;
  StructureBuilder builder(graph);
  int x = builder.input(TensorShape{1, spec.resolution, spec.resolution, spec.input_channels},
                        input_scale, input_zero_point);
  x = builder.conv(OpKind::kConv2d, "first_conv", x, spec.first_conv.out_channels,
                   spec.first_conv.kernel_size, spec.first_conv.stride, spec.first_conv.activation);
  for (size_t i = 0; i < spec.blocks.size(); ++i) {
    const BlockSpec& block = spec.blocks[i];
    const std::string prefix = "blocks." + std::to_string(i) + ".";
    const int block_input = x;
    if (block.mid_channels != block.in_channels) {
      x = builder.conv(OpKind::kConv2d, prefix + "expand", x, block.mid_channels, kPointwiseKernel,
                       1, block.activation);
    }
    x = builder.conv(OpKind::kDepthwiseConv2d, prefix + "depthwise", x, block.mid_channels,
                     block.kernel_size, block.stride, block.activation);
    x = builder.conv(OpKind::kConv2d, prefix + "project", x, block.out_channels, kPointwiseKernel,
                     1, Activation::kNone);
    if (block.residual) x = builder.add(prefix + "add", block_input, x);
  }
  if (spec.feature_mix) {
    x = builder.conv(OpKind::kConv2d, "feature_mix", x, spec.feature_mix->out_channels,
                     kPointwiseKernel, 1, spec.feature_mix->activation);
  }
  x = builder.global_average_pool("pool", x);
  x = builder.fully_connected("classifier", x, spec.num_classes);
  graph.output = x;
  validate_graph(graph, GraphUse::kPlanning, "build_graph");  // the lowering's own check
  return graph;
}

void fill_random_weights(Graph& graph, uint32_t seed) { RandomWeights(graph, seed).fill(); }

Graph build_graph(const NetworkSpec& spec, const BuildOptions& options) {
  Graph graph = build_graph_structure(spec, options.input_scale, options.input_zero_point);
  if (options.random_weights) fill_random_weights(graph, options.seed);
  return graph;
}

int find_op(const Graph& graph, const std::string& name) {
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    if (graph.ops[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

int find_tensor(const Graph& graph, const std::string& name) {
  for (size_t i = 0; i < graph.tensors.size(); ++i) {
    if (graph.tensors[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace tinynas::compiler
