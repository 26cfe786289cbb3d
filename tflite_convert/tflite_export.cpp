#include "tflite_convert/tflite_export.h"

#include <cmath>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/compiler/quantization.h"
#include "engine/compiler/scale_recovery.h"
#include "engine/runtime/op_kind_name.h"

namespace tinynas::tflite_convert {
namespace {

using runtime::OpInfo;
using runtime::OpKind;
using runtime::TensorInfo;

template <typename T>
std::vector<uint8_t> bytes_of(const std::vector<T>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

// The same search for softmax's beta (stored as TFLite's precomputed input scaling).
float recover_softmax_beta(float input_scale, const OpInfo& op) {
  const compiler::SoftmaxQuantization stored{op.softmax_input_multiplier,
                                             op.softmax_input_left_shift, op.softmax_diff_min};
  const auto reproduces = [&](float beta) {
    try {
      return compiler::softmax_quantization(beta, input_scale) == stored;
    } catch (const std::invalid_argument&) {
      return false;
    }
  };
  if (reproduces(1.0f)) return 1.0f;
  const double real = std::ldexp(static_cast<double>(op.softmax_input_multiplier),
                                 op.softmax_input_left_shift - 31);
  return compiler::reproducing_float(static_cast<float>(real / (input_scale * std::ldexp(1.0, 26))),
                                     reproduces);
}

// TFLite's SAME padding of one dimension: (before, after), or nothing when the output size is
// not SAME's.
struct PadPair {
  int before = 0;
  int after = 0;
  bool operator==(const PadPair& o) const { return before == o.before && after == o.after; }
};
PadPair same_padding(int in, int out, int kernel, int stride) {
  const int total = std::max((out - 1) * stride + kernel - in, 0);
  return {total / 2, total - total / 2};
}
bool is_same_padding(const OpInfo& op, const TensorInfo& in, const TensorInfo& out) {
  const auto ceil_div = [](int a, int b) { return (a + b - 1) / b; };
  return out.shape.h == ceil_div(in.shape.h, op.stride_h) &&
         out.shape.w == ceil_div(in.shape.w, op.stride_w) &&
         same_padding(in.shape.h, out.shape.h, op.kernel_h, op.stride_h) ==
             PadPair{op.pad_top, op.pad_bottom} &&
         same_padding(in.shape.w, out.shape.w, op.kernel_w, op.stride_w) ==
             PadPair{op.pad_left, op.pad_right};
}
bool has_no_padding(const OpInfo& op) {
  return op.pad_top == 0 && op.pad_left == 0 && op.pad_bottom == 0 && op.pad_right == 0;
}

class Exporter {
 public:
  explicit Exporter(const runtime::ModelView& model)
      : view_(model), tnm_to_tflite_(model.tensor_count(), -1) {
    model_.buffers.emplace_back();  // the empty sentinel
    model_.subgraphs.emplace_back();
    model_.description = "tinynas";
  }

  tflite::Model run() {
    export_input();
    for (uint16_t index = 0; index < view_.op_count(); ++index) export_op(index);
    export_output();
    order_tensors_as_the_tnm();
    return std::move(model_);
  }

 private:
  tflite::SubGraph& graph() { return model_.subgraphs[0]; }

  // The tensors of the .tnm first, in its tensor table's order (so an importer that numbers
  // tensors in file order gives back the same table), then the ones the export adds (biases,
  // shapes, paddings, float edges), in the order they were made.
  void order_tensors_as_the_tnm() {
    std::vector<int32_t> order;
    std::vector<bool> placed(graph().tensors.size(), false);
    for (const int32_t tensor : tnm_to_tflite_) {
      if (tensor < 0) continue;
      order.push_back(tensor);
      placed[static_cast<size_t>(tensor)] = true;
    }
    for (size_t tensor = 0; tensor < placed.size(); ++tensor) {
      if (!placed[tensor]) order.push_back(static_cast<int32_t>(tensor));
    }
    std::vector<int32_t> new_index(order.size());
    std::vector<tflite::Tensor> tensors;
    for (size_t k = 0; k < order.size(); ++k) {
      new_index[static_cast<size_t>(order[k])] = static_cast<int32_t>(k);
      tensors.push_back(std::move(graph().tensors[static_cast<size_t>(order[k])]));
    }
    graph().tensors = std::move(tensors);
    const auto renumber = [&](std::vector<int32_t>& indices) {
      for (int32_t& index : indices) {
        if (index >= 0) index = new_index[static_cast<size_t>(index)];
      }
    };
    renumber(graph().inputs);
    renumber(graph().outputs);
    for (tflite::Operator& op : graph().operators) {
      renumber(op.inputs);
      renumber(op.outputs);
    }
  }

  std::string where(uint16_t index, const OpInfo& op) const {
    return "op " + std::to_string(index) + " (" + runtime::op_kind_name(op.kind) + ")";
  }

  uint32_t opcode(tflite::BuiltinOperator code) {
    const auto found = opcodes_.find(code);
    if (found != opcodes_.end()) return found->second;
    tflite::OperatorCode entry;
    entry.builtin_code = code;
    model_.operator_codes.push_back(entry);
    const auto index = static_cast<uint32_t>(model_.operator_codes.size() - 1);
    opcodes_.emplace(code, index);
    return index;
  }

  int32_t add_tensor(tflite::Tensor tensor, std::vector<uint8_t> data = {}) {
    if (!data.empty()) {
      model_.buffers.push_back(tflite::Buffer{std::move(data)});
      tensor.buffer = static_cast<uint32_t>(model_.buffers.size() - 1);
    }
    graph().tensors.push_back(std::move(tensor));
    return static_cast<int32_t>(graph().tensors.size() - 1);
  }

  int32_t add_int32_constant(const std::string& name, std::vector<int32_t> shape,
                             const std::vector<int32_t>& values) {
    tflite::Tensor tensor;
    tensor.name = name;
    tensor.type = tflite::TensorType::kInt32;
    tensor.shape = std::move(shape);
    return add_tensor(std::move(tensor), bytes_of(values));
  }

  // The TFLite tensor of .tnm activation `index` ("tensor_<index>"), made on first use with `shape`
  // (NHWC unless given).
  int32_t activation(uint16_t index, std::vector<int32_t> shape = {}) {
    if (tnm_to_tflite_[index] >= 0) return tnm_to_tflite_[index];
    const TensorInfo info = view_.tensor(index);
    tflite::Tensor tensor;
    tensor.name = "tensor_" + std::to_string(index);
    tensor.type = tflite::TensorType::kInt8;
    tensor.shape =
        shape.empty() ? std::vector<int32_t>{info.shape.n, info.shape.h, info.shape.w, info.shape.c}
                      : std::move(shape);
    tensor.quantization.scales = {info.scale};
    tensor.quantization.zero_points = {info.zero_point};
    tnm_to_tflite_[index] = add_tensor(std::move(tensor));
    return tnm_to_tflite_[index];
  }

  // The shape an elementwise op's output takes: its input's TFLite shape (which is [1, C] after
  // a FULLY_CONNECTED).
  std::vector<int32_t> shape_of(int32_t tensor) const {
    return model_.subgraphs[0].tensors[static_cast<size_t>(tensor)].shape;
  }

  void add_operator(tflite::BuiltinOperator code, std::vector<int32_t> inputs, int32_t output,
                    tflite::BuiltinOptions options) {
    tflite::Operator op;
    op.opcode_index = opcode(code);
    op.inputs = std::move(inputs);
    op.outputs = {output};
    op.options = std::move(options);
    graph().operators.push_back(std::move(op));
  }

  // A float tensor with the shape of activation `index`, for a real-valued edge.
  int32_t float_edge(uint16_t index, const std::string& name) {
    tflite::Tensor tensor = graph().tensors[static_cast<size_t>(activation(index))];
    tensor.name = name;
    tensor.type = tflite::TensorType::kFloat32;
    tensor.quantization = {};
    return add_tensor(std::move(tensor));
  }

  void export_input() {
    const uint16_t input = view_.input_tensor();
    if (!view_.real_input()) {
      graph().inputs = {activation(input)};
      return;
    }
    const int32_t real = float_edge(input, "input");
    add_operator(tflite::BuiltinOperator::kQuantize, {real}, activation(input),
                 tflite::QuantizeOptions{});
    graph().inputs = {real};
  }

  void export_output() {
    const uint16_t output = view_.output_tensor();
    if (!view_.real_output()) {
      graph().outputs = {activation(output)};
      return;
    }
    const int32_t real = float_edge(output, "output");
    add_operator(tflite::BuiltinOperator::kDequantize, {activation(output)}, real,
                 tflite::DequantizeOptions{});
    graph().outputs = {real};
  }

  // The fused activation whose clamp (in the output's quantization) is the op's.
  tflite::Activation fused_activation(uint16_t index, const OpInfo& op) {
    const TensorInfo out = view_.tensor(op.output);
    const std::pair<tflite::Activation, compiler::Activation> candidates[] = {
        {tflite::Activation::kNone, compiler::Activation::kNone},
        {tflite::Activation::kRelu, compiler::Activation::kRelu},
        {tflite::Activation::kRelu6, compiler::Activation::kRelu6}};
    for (const auto& [tflite_activation, activation] : candidates) {
      const compiler::ActivationRange range =
          compiler::activation_range(activation, out.scale, out.zero_point);
      if (range.min == op.activation_min && range.max == op.activation_max) {
        return tflite_activation;
      }
    }
    throw std::runtime_error(where(index, op) + ": clamp [" + std::to_string(op.activation_min) +
                             ", " + std::to_string(op.activation_max) +
                             "] is none of TFLite's fused activations (NONE, RELU, RELU6) in the "
                             "output's quantization");
  }

  // The window op's input and padding: SAME or VALID when the stored padding is TFLite's, else
  // an explicit PAD (padding with the zero point, as our kernels do) and VALID.
  std::pair<int32_t, tflite::Padding> padded_input(uint16_t index, const OpInfo& op,
                                                   bool pad_op_allowed) {
    const TensorInfo in = view_.tensor(op.input0);
    const TensorInfo out = view_.tensor(op.output);
    const int32_t input = activation(op.input0);
    if (has_no_padding(op)) return {input, tflite::Padding::kValid};
    if (is_same_padding(op, in, out)) return {input, tflite::Padding::kSame};
    if (!pad_op_allowed) {
      throw std::runtime_error(where(index, op) +
                               ": padding is neither TFLite's SAME nor VALID (a pool cannot take "
                               "an explicit PAD: padding cells would count)");
    }
    tflite::Tensor padded = graph().tensors[static_cast<size_t>(input)];
    padded.name = "tensor_" + std::to_string(op.input0) + "_padded_for_op_" + std::to_string(index);
    padded.shape[1] += op.pad_top + op.pad_bottom;
    padded.shape[2] += op.pad_left + op.pad_right;
    const int32_t padded_index = add_tensor(std::move(padded));
    const int32_t paddings =
        add_int32_constant("op_" + std::to_string(index) + "_paddings", {4, 2},
                           {0, 0, op.pad_top, op.pad_bottom, op.pad_left, op.pad_right, 0, 0});
    add_operator(tflite::BuiltinOperator::kPad, {input, paddings}, padded_index,
                 tflite::PadOptions{});
    return {padded_index, tflite::Padding::kValid};
  }

  // Weights (per-channel scales recovered from the multipliers, quantized along
  // `quantized_dimension`) and bias (scale input_scale * weight_scale); the bias is -1 when the
  // op has none.
  std::pair<int32_t, int32_t> weights_and_bias(uint16_t index, const OpInfo& op,
                                               std::vector<int32_t> shape,
                                               int32_t quantized_dimension) {
    const TensorInfo in = view_.tensor(op.input0);
    const TensorInfo out = view_.tensor(op.output);
    const TensorInfo w = view_.tensor(op.weights);
    const int channels = out.shape.c;
    const int32_t* multipliers = view_.constant_int32(op.multiplier_offset);
    const int32_t* shifts = view_.constant_int32(op.shift_offset);
    std::vector<float> scales(static_cast<size_t>(channels));
    for (int c = 0; c < channels; ++c) {
      scales[static_cast<size_t>(c)] =
          compiler::recover_weight_scale(in.scale, out.scale, {multipliers[c], shifts[c]});
    }
    tflite::Tensor weights;
    weights.name = "op_" + std::to_string(index) + "_weights";
    weights.type = tflite::TensorType::kInt8;
    weights.shape = std::move(shape);
    weights.quantization.scales = scales;
    weights.quantization.zero_points.assign(scales.size(), 0);
    weights.quantization.quantized_dimension = quantized_dimension;
    const int8_t* data = view_.constant_int8(w.offset);
    const int32_t weights_index =
        add_tensor(std::move(weights), std::vector<uint8_t>(data, data + w.size_bytes));
    tnm_to_tflite_[op.weights] = weights_index;
    const int32_t* bias = view_.constant_int32(op.bias_offset);
    if (bias == nullptr) return {weights_index, -1};
    tflite::Tensor bias_tensor;
    bias_tensor.name = "op_" + std::to_string(index) + "_bias";
    bias_tensor.type = tflite::TensorType::kInt32;
    bias_tensor.shape = {channels};
    for (float scale : scales) bias_tensor.quantization.scales.push_back(in.scale * scale);
    bias_tensor.quantization.zero_points.assign(scales.size(), 0);
    return {weights_index, add_tensor(std::move(bias_tensor),
                                      bytes_of(std::vector<int32_t>(bias, bias + channels)))};
  }

  void export_conv(uint16_t index, const OpInfo& op) {
    const TensorInfo w = view_.tensor(op.weights);
    const auto [input, padding] = padded_input(index, op, true);
    const auto [weights, bias] =
        weights_and_bias(index, op, {w.shape.n, w.shape.h, w.shape.w, w.shape.c}, 0);
    tflite::Conv2DOptions options;
    options.padding = padding;
    options.stride_h = op.stride_h;
    options.stride_w = op.stride_w;
    options.activation = fused_activation(index, op);
    add_operator(tflite::BuiltinOperator::kConv2D, {input, weights, bias}, activation(op.output),
                 options);
  }

  void export_depthwise(uint16_t index, const OpInfo& op) {
    const TensorInfo w = view_.tensor(op.weights);
    const auto [input, padding] = padded_input(index, op, true);
    const auto [weights, bias] =
        weights_and_bias(index, op, {1, w.shape.h, w.shape.w, w.shape.c}, 3);
    tflite::DepthwiseConv2DOptions options;
    options.padding = padding;
    options.stride_h = op.stride_h;
    options.stride_w = op.stride_w;
    options.depth_multiplier = view_.tensor(op.output).shape.c / view_.tensor(op.input0).shape.c;
    options.activation = fused_activation(index, op);
    add_operator(tflite::BuiltinOperator::kDepthwiseConv2D, {input, weights, bias},
                 activation(op.output), options);
  }

  // Weights O x K; the output [1, O] (TFLite's FULLY_CONNECTED flattens its input).
  void export_fully_connected(uint16_t index, const OpInfo& op) {
    const TensorInfo w = view_.tensor(op.weights);
    const TensorInfo out = view_.tensor(op.output);
    const int32_t input = activation(op.input0);
    auto [weights, bias] = weights_and_bias(index, op, {w.shape.n, w.shape.c}, 0);
    collapse_uniform_scales(weights, bias);
    tflite::FullyConnectedOptions options;
    options.activation = fused_activation(index, op);
    add_operator(tflite::BuiltinOperator::kFullyConnected, {input, weights, bias},
                 activation(op.output, {1, out.shape.c}), options);
  }

  // Per-tensor quantization when every channel has the same scale (what TFLite's converter
  // writes for FULLY_CONNECTED, and all that some runtimes take there).
  void collapse_uniform_scales(int32_t weights, int32_t bias) {
    for (const int32_t index : {weights, bias}) {
      if (index < 0) continue;
      tflite::Quantization& q = graph().tensors[static_cast<size_t>(index)].quantization;
      bool uniform = true;
      for (float scale : q.scales) uniform = uniform && scale == q.scales[0];
      if (!uniform) return;
      q.scales.resize(1);
      q.zero_points.resize(1);
    }
  }

  void export_pool(uint16_t index, const OpInfo& op, tflite::BuiltinOperator code) {
    const auto [input, padding] = padded_input(index, op, false);
    tflite::Pool2DOptions options;
    options.padding = padding;
    options.stride_h = op.stride_h;
    options.stride_w = op.stride_w;
    options.filter_height = op.kernel_h;
    options.filter_width = op.kernel_w;
    options.activation = fused_activation(index, op);
    add_operator(code, {input}, activation(op.output), options);
  }

  // Our global average pool, requantize(sum(x - zp_in)) with M = input_scale / (output_scale *
  // H * W), is TFLite's DEPTHWISE_CONV_2D of an H x W window of ones (VALID) whose weight scale
  // gives the same M: bit for bit in any TFLite runtime (MEAN would round differently).
  void export_global_pool(uint16_t index, const OpInfo& op) {
    const TensorInfo in = view_.tensor(op.input0);
    const TensorInfo out = view_.tensor(op.output);
    const int channels = in.shape.c;
    const float scale =
        global_pool_weight_scale(in.scale, out.scale, {op.output_multiplier, op.output_shift});
    tflite::Tensor weights;
    weights.name = "op_" + std::to_string(index) + "_weights";
    weights.type = tflite::TensorType::kInt8;
    weights.shape = {1, in.shape.h, in.shape.w, channels};
    weights.quantization.scales.assign(static_cast<size_t>(channels), scale);
    weights.quantization.zero_points.assign(static_cast<size_t>(channels), 0);
    weights.quantization.quantized_dimension = 3;
    const int32_t weights_index =
        add_tensor(std::move(weights), std::vector<uint8_t>(static_cast<size_t>(in.size_bytes), 1));
    tflite::Tensor bias;
    bias.name = "op_" + std::to_string(index) + "_bias";
    bias.type = tflite::TensorType::kInt32;
    bias.shape = {channels};
    bias.quantization.scales.assign(static_cast<size_t>(channels), in.scale * scale);
    bias.quantization.zero_points.assign(static_cast<size_t>(channels), 0);
    const int32_t bias_index =
        add_tensor(std::move(bias), bytes_of(std::vector<int32_t>(static_cast<size_t>(channels))));
    tflite::DepthwiseConv2DOptions options;
    options.padding = tflite::Padding::kValid;
    options.stride_h = options.stride_w = 1;
    options.depth_multiplier = 1;
    options.activation = fused_activation(index, op);
    add_operator(tflite::BuiltinOperator::kDepthwiseConv2D,
                 {activation(op.input0), weights_index, bias_index}, activation(op.output),
                 options);
  }

  // MEAN over H and W (axes 1 and 2); keep_dims gives [1, 1, 1, C], else [1, C].
  void export_mean(uint16_t index, const OpInfo& op, bool keep_dims) {
    const TensorInfo out = view_.tensor(op.output);
    const int32_t input = activation(op.input0);
    const int32_t axes = add_int32_constant("op_" + std::to_string(index) + "_axes", {2}, {1, 2});
    tflite::ReducerOptions options;
    options.keep_dims = keep_dims;
    const int32_t output =
        keep_dims ? activation(op.output) : activation(op.output, {1, out.shape.c});
    add_operator(tflite::BuiltinOperator::kMean, {input, axes}, output, options);
  }

  void export_reshape(uint16_t index, const OpInfo& op) {
    const TensorInfo out = view_.tensor(op.output);
    const std::vector<int32_t> shape = {out.shape.n, out.shape.h, out.shape.w, out.shape.c};
    const int32_t input = activation(op.input0);
    const int32_t new_shape =
        add_int32_constant("op_" + std::to_string(index) + "_shape", {4}, shape);
    tflite::ReshapeOptions options;
    options.new_shape = shape;
    add_operator(tflite::BuiltinOperator::kReshape, {input, new_shape}, activation(op.output),
                 options);
  }

  void export_pad(uint16_t index, const OpInfo& op) {
    const int32_t input = activation(op.input0);
    const int32_t paddings =
        add_int32_constant("op_" + std::to_string(index) + "_paddings", {4, 2},
                           {0, 0, op.pad_top, op.pad_bottom, op.pad_left, op.pad_right, 0, 0});
    add_operator(tflite::BuiltinOperator::kPad, {input, paddings}, activation(op.output),
                 tflite::PadOptions{});
  }

  void export_concatenation(const OpInfo& op) {
    std::vector<int32_t> inputs;
    for (int32_t k = 0; k < runtime::op_input_count(op); ++k) {
      inputs.push_back(activation(view_.op_input(op, k)));
    }
    const int32_t output = activation(op.output);
    tflite::ConcatenationOptions options;
    options.axis =
        static_cast<int32_t>(graph().tensors[static_cast<size_t>(output)].shape.size()) - 1;
    add_operator(tflite::BuiltinOperator::kConcatenation, inputs, output, options);
  }

  void export_op(uint16_t index) {
    const OpInfo op = view_.op(index);
    switch (op.kind) {
      case OpKind::kConv2d:
        return export_conv(index, op);
      case OpKind::kDepthwiseConv2d:
        return export_depthwise(index, op);
      case OpKind::kFullyConnected:
        return export_fully_connected(index, op);
      case OpKind::kAdd: {
        tflite::AddOptions options;
        options.activation = fused_activation(index, op);
        const int32_t a = activation(op.input0);
        return add_operator(tflite::BuiltinOperator::kAdd, {a, activation(op.input1)},
                            activation(op.output, shape_of(a)), options);
      }
      case OpKind::kAveragePool2d:
        return export_pool(index, op, tflite::BuiltinOperator::kAveragePool2D);
      case OpKind::kMaxPool2d:
        return export_pool(index, op, tflite::BuiltinOperator::kMaxPool2D);
      case OpKind::kGlobalAveragePool:
        return export_global_pool(index, op);
      case OpKind::kMean:
        return export_mean(
            index, op,
            op.mean_mode == static_cast<uint32_t>(runtime::MeanMode::kRescaleThenDivide));
      case OpKind::kSoftmax: {
        tflite::SoftmaxOptions options;
        options.beta = recover_softmax_beta(view_.tensor(op.input0).scale, op);
        const int32_t input = activation(op.input0);
        return add_operator(tflite::BuiltinOperator::kSoftmax, {input},
                            activation(op.output, shape_of(input)), options);
      }
      case OpKind::kReshape:
        return export_reshape(index, op);
      case OpKind::kPad:
        return export_pad(index, op);
      case OpKind::kConcatenation:
        return export_concatenation(op);
      case OpKind::kQuantize: {
        const int32_t input = activation(op.input0);
        return add_operator(tflite::BuiltinOperator::kQuantize, {input},
                            activation(op.output, shape_of(input)), tflite::QuantizeOptions{});
      }
    }
    throw std::runtime_error(where(index, op) + ": no TFLite form");
  }

  const runtime::ModelView& view_;
  tflite::Model model_;
  std::vector<int32_t> tnm_to_tflite_;  // per .tnm tensor (activations and weights), or -1
  std::map<tflite::BuiltinOperator, uint32_t> opcodes_;
};

}  // namespace

tflite::Model export_tflite(const runtime::ModelView& model) { return Exporter(model).run(); }

float global_pool_weight_scale(float input_scale, float output_scale,
                               compiler::QuantizedMultiplier pool) {
  return compiler::recover_weight_scale(input_scale, output_scale, pool);
}

}  // namespace tinynas::tflite_convert
