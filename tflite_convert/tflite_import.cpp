#include "tflite_convert/tflite_import.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/compiler/graph_validation.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/model_file.h"
#include "engine/compiler/model_writer.h"
#include "engine/compiler/quantization.h"
#include "engine/runtime/model_format.h"
#include "tflite/model_reader.h"
#include "tflite/tflite_error.h"
#include "tflite_convert/tflite_export.h"

namespace tinynas::tflite_convert {
namespace {

namespace tfl = tinynas::tflite;
using compiler::Graph;
using compiler::OpKind;
using tfl::BuiltinOperator;
using tfl::TensorType;

constexpr int kMaxRank = 4;

std::string quoted(const std::string& name) { return name.empty() ? "" : " '" + name + "'"; }

bool is_supported_code(BuiltinOperator code) {
  switch (code) {
    case BuiltinOperator::kAdd:
    case BuiltinOperator::kAveragePool2D:
    case BuiltinOperator::kConcatenation:
    case BuiltinOperator::kConv2D:
    case BuiltinOperator::kDepthwiseConv2D:
    case BuiltinOperator::kDequantize:
    case BuiltinOperator::kFullyConnected:
    case BuiltinOperator::kMaxPool2D:
    case BuiltinOperator::kReshape:
    case BuiltinOperator::kSoftmax:
    case BuiltinOperator::kPad:
    case BuiltinOperator::kMean:
    case BuiltinOperator::kSqueeze:
    case BuiltinOperator::kQuantize:
      return true;
    default:
      return false;
  }
}

// The fused activation of an operator whose options carry one; kNone for the others.
tfl::Activation fused_activation(const tfl::BuiltinOptions& options) {
  if (const auto* o = std::get_if<tfl::Conv2DOptions>(&options)) return o->activation;
  if (const auto* o = std::get_if<tfl::DepthwiseConv2DOptions>(&options)) return o->activation;
  if (const auto* o = std::get_if<tfl::Pool2DOptions>(&options)) return o->activation;
  if (const auto* o = std::get_if<tfl::FullyConnectedOptions>(&options)) return o->activation;
  if (const auto* o = std::get_if<tfl::ConcatenationOptions>(&options)) return o->activation;
  if (const auto* o = std::get_if<tfl::AddOptions>(&options)) return o->activation;
  return tfl::Activation::kNone;
}

std::string activation_name(tfl::Activation activation) {
  switch (activation) {
    case tfl::Activation::kNone:
      return "NONE";
    case tfl::Activation::kRelu:
      return "RELU";
    case tfl::Activation::kReluN1To1:
      return "RELU_N1_TO_1";
    case tfl::Activation::kRelu6:
      return "RELU6";
    case tfl::Activation::kTanh:
      return "TANH";
    case tfl::Activation::kSignBit:
      return "SIGN_BIT";
  }
  return "activation " + std::to_string(static_cast<int>(activation));
}

class Importer {
 public:
  explicit Importer(const tfl::Model& model)
      : model_(model),
        subgraph_(model.subgraphs.at(0)),
        graph_tensor_(subgraph_.tensors.size(), -1) {}

  Graph run() {
    check_supported();
    check_edges();
    find_foldable_pads();
    for (size_t i = 0; i < subgraph_.operators.size(); ++i) {
      if (!folded_[i]) import_operator(static_cast<int>(i));
    }
    if (graph_.input < 0) graph_.input = activation(-1, input_tensor_, "the model input");
    if (graph_.output < 0) graph_.output = activation(-1, output_tensor_, "the model output");
    order_tensors_as_the_file();
    try {
      compiler::validate_graph(graph_, compiler::GraphUse::kPlanningAndModelFile, "import");
      // The runtime's own validator bounds every requantization against int32 overflow from
      // the actual weights and biases (op_validation.cpp), which no graph rule can know: the
      // graph is written once, so that an import that succeeds is a model the engine runs.
      compiler::LoadedModel(compiler::write_model(graph_, compiler::plan_memory(graph_)),
                            "imported model");
    } catch (const std::exception& error) {
      throw ImportError(std::string("subgraph 0: ") + error.what());
    }
    return std::move(graph_);
  }

 private:
  // Graph tensors in the order of the TFLite tensors they came from (not of first use), so that
  // the model file's tensor table follows the .tflite file's: a .tnm exported to TFLite
  // (tflite_export.h, which writes the .tnm's tensors first and in order) comes back the same.
  void order_tensors_as_the_file() {
    std::vector<int> order(graph_.tensors.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = static_cast<int>(k);
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return origin_[a] < origin_[b]; });
    std::vector<int> new_index(order.size());
    std::vector<compiler::Tensor> tensors;
    for (size_t k = 0; k < order.size(); ++k) {
      new_index[order[k]] = static_cast<int>(k);
      tensors.push_back(std::move(graph_.tensors[order[k]]));
    }
    graph_.tensors = std::move(tensors);
    graph_.input = new_index[graph_.input];
    graph_.output = new_index[graph_.output];
    for (compiler::Op& op : graph_.ops) {
      for (int& input : op.inputs) input = new_index[input];
      if (op.weights >= 0) op.weights = new_index[op.weights];
      op.output = new_index[op.output];
    }
  }

  // A PAD whose only reader is a VALID CONV_2D or DEPTHWISE_CONV_2D becomes that op's own
  // padding: converters (and our exporter) write a PAD where the padding is not TFLite's SAME,
  // and both fill with the zero point. Only when each side stays below the kernel's, as the model
  // file requires; any other PAD stays an op.
  void find_foldable_pads() {
    const int count = static_cast<int>(subgraph_.operators.size());
    folded_pad_.assign(count, -1);
    folded_.assign(count, false);
    for (int p = 0; p < count; ++p) {
      const tfl::Operator& pad = subgraph_.operators[p];
      if (code(p) != BuiltinOperator::kPad || pad.inputs.size() != 2 || pad.outputs.size() != 1 ||
          pad.inputs[0] < 0 || pad.inputs[1] < 0 || pad.outputs[0] == output_tensor_) {
        continue;
      }
      const int padded = pad.outputs[0];
      int reader = -1;
      int readers = 0;
      for (int r = 0; r < count; ++r) {
        for (int input : subgraph_.operators[r].inputs) {
          if (input == padded) {
            ++readers;
            reader = r;
          }
        }
      }
      if (readers != 1 || !reads_padded_input_validly(reader, padded)) continue;
      const tfl::Tensor& paddings = tensor(pad.inputs[1]);
      if (!is_constant(pad.inputs[1]) || paddings.type != TensorType::kInt32 ||
          !(tensor(pad.inputs[0]).quantization == tensor(padded).quantization)) {
        continue;
      }
      const std::vector<int32_t> pads = int_constant(p, pad.inputs[1], "paddings (inputs[1])");
      const tfl::Tensor& w = tensor(subgraph_.operators[reader].inputs[1]);
      if (pads.size() != 8 || pads[0] != 0 || pads[1] != 0 || pads[6] != 0 || pads[7] != 0 ||
          *std::min_element(pads.begin(), pads.end()) < 0 || pads[2] >= w.shape[1] ||
          pads[3] >= w.shape[1] || pads[4] >= w.shape[2] || pads[5] >= w.shape[2]) {
        continue;
      }
      folded_pad_[reader] = p;
      folded_[p] = true;
    }
  }
  bool reads_padded_input_validly(int reader, int padded) const {
    const tfl::Operator& o = subgraph_.operators[reader];
    if (o.inputs.size() < 2 || o.inputs[0] != padded || o.inputs[1] < 0 ||
        tensor(o.inputs[1]).shape.size() != 4) {
      return false;
    }
    if (code(reader) == BuiltinOperator::kConv2D) {
      return tfl::options_or_default<tfl::Conv2DOptions>(o.options).padding == tfl::Padding::kValid;
    }
    return code(reader) == BuiltinOperator::kDepthwiseConv2D &&
           tfl::options_or_default<tfl::DepthwiseConv2DOptions>(o.options).padding ==
               tfl::Padding::kValid;
  }

  // The input of a conv or depthwise: the folded PAD's input when it has one.
  int window_input(int op) { return folded_pad_[op] < 0 ? input0(op) : input0(folded_pad_[op]); }
  void apply_folded_pad(int op, compiler::Op& g) const {
    const int pad = folded_pad_[op];
    if (pad < 0) return;
    const std::vector<int32_t> pads =
        int_constant(pad, subgraph_.operators[pad].inputs[1], "paddings (inputs[1])");
    g.pad_top = pads[2];
    g.pad_bottom = pads[3];
    g.pad_left = pads[4];
    g.pad_right = pads[5];
  }

  // A DEPTHWISE_CONV_2D of ones over the whole input (VALID, multiplier 1, zero bias) with the
  // weight scale our exporter writes for a global pool (tflite_export.h,
  // global_pool_weight_scale): our global average pool, M = input_scale / (output_scale * H * W).
  bool is_global_average_pool(int op) const {
    const tfl::Operator& o = subgraph_.operators[op];
    if (folded_pad_[op] >= 0 || o.inputs.size() < 2 || o.inputs[0] < 0 || o.inputs[1] < 0 ||
        o.outputs.size() != 1 || !is_constant(o.inputs[1])) {
      return false;
    }
    const auto options = tfl::options_or_default<tfl::DepthwiseConv2DOptions>(o.options);
    const tfl::Tensor& in = tensor(o.inputs[0]);
    const tfl::Tensor& w = tensor(o.inputs[1]);
    const tfl::Tensor& out = tensor(o.outputs[0]);
    if (options.padding != tfl::Padding::kValid || in.shape.size() != 4 || w.shape.size() != 4 ||
        w.shape != std::vector<int32_t>{1, in.shape[1], in.shape[2], in.shape[3]} ||
        w.type != TensorType::kInt8 || in.quantization.scales.size() != 1 ||
        out.quantization.scales.size() != 1 || options.dilation_h_factor != 1 ||
        options.dilation_w_factor != 1) {
      return false;
    }
    const std::vector<uint8_t>& ones = data(o.inputs[1]);
    if (std::any_of(ones.begin(), ones.end(), [](uint8_t v) { return v != 1; })) return false;
    if (o.inputs.size() > 2 && o.inputs[2] >= 0) {
      const std::vector<uint8_t>& bias = data(o.inputs[2]);
      if (std::any_of(bias.begin(), bias.end(), [](uint8_t v) { return v != 0; })) return false;
    }
    try {
      const float scale = global_pool_weight_scale(
          in.quantization.scales[0], out.quantization.scales[0],
          compiler::global_average_pool_multiplier(
              in.quantization.scales[0], out.quantization.scales[0], in.shape[1], in.shape[2]));
      for (const float channel_scale : w.quantization.scales) {
        if (channel_scale != scale) return false;
      }
    } catch (const std::invalid_argument&) {
      return false;
    }
    return true;
  }

  // --- naming ---
  std::string code_name(int op) const {
    const tfl::OperatorCode& code = tfl::operator_code(model_, subgraph_.operators[op]);
    std::string name = tfl::builtin_operator_name(code.builtin_code);
    if (code.builtin_code == BuiltinOperator::kCustom) name += " '" + code.custom_code + "'";
    return name;
  }
  BuiltinOperator code(int op) const {
    return tfl::operator_code(model_, subgraph_.operators[op]).builtin_code;
  }
  std::string where_op(int op) const {
    return "subgraph 0 operator " + std::to_string(op) + " (" + code_name(op) + ")";
  }
  std::string where_tensor(int tensor) const {
    return "tensor " + std::to_string(tensor) + quoted(subgraph_.tensors[tensor].name);
  }
  [[noreturn]] void fail(int op, const std::string& problem) const {
    throw ImportError((op >= 0 ? where_op(op) : std::string("subgraph 0")) + ": " + problem);
  }

  // --- tensors ---
  const tfl::Tensor& tensor(int index) const { return subgraph_.tensors[index]; }
  // A tensor's bytes; none for an activation (buffer 0, which a model may even leave out).
  const std::vector<uint8_t>& data(int index) const {
    static const std::vector<uint8_t> kNone;
    const uint32_t buffer = tensor(index).buffer;
    return buffer < model_.buffers.size() ? model_.buffers[buffer].data : kNone;
  }
  bool is_constant(int index) const { return !data(index).empty(); }

  // Every operator whose code, tensor types or fused activation the engine lacks, at once.
  void check_supported() const {
    std::vector<std::string> unsupported;
    for (size_t i = 0; i < subgraph_.operators.size(); ++i) {
      const int op = static_cast<int>(i);
      const tfl::Operator& o = subgraph_.operators[i];
      std::string why;
      if (!is_supported_code(code(op))) {
        why = "";
      } else {
        const tfl::Activation fused = fused_activation(o.options);
        if (fused != tfl::Activation::kNone && fused != tfl::Activation::kRelu &&
            fused != tfl::Activation::kRelu6) {
          why = ": fused " + activation_name(fused);
        }
        const bool edge =
            code(op) == BuiltinOperator::kQuantize || code(op) == BuiltinOperator::kDequantize;
        std::vector<int32_t> activations = o.outputs;
        if (!o.inputs.empty()) activations.push_back(o.inputs[0]);
        if (code(op) == BuiltinOperator::kAdd || code(op) == BuiltinOperator::kConcatenation) {
          activations.insert(activations.end(), o.inputs.begin(), o.inputs.end());
        }
        for (int32_t t : activations) {
          if (t < 0 || edge) continue;
          const TensorType type = tensor(t).type;
          if (type != TensorType::kInt8) {
            why = ": " + tfl::tensor_type_name(type) + " " + where_tensor(t) +
                  " (activations must be INT8)";
            break;
          }
        }
        if (edge) {
          for (int32_t t : activations) {
            if (t < 0) continue;
            const TensorType type = tensor(t).type;
            if (type != TensorType::kInt8 && type != TensorType::kFloat32) {
              why = ": " + tfl::tensor_type_name(type) + " " + where_tensor(t) +
                    " (expected INT8 or FLOAT32)";
            }
          }
        }
        if (why.empty()) continue;
      }
      unsupported.push_back("operator " + std::to_string(op) + " (" + code_name(op) + why + ")");
    }
    if (unsupported.empty()) return;
    std::string message = "subgraph 0: " + std::to_string(unsupported.size()) +
                          " unsupported operator" + (unsupported.size() > 1 ? "s" : "") + ": ";
    for (size_t i = 0; i < unsupported.size(); ++i) {
      message += (i ? ", " : "") + unsupported[i];
    }
    message +=
        " (supported: int8 ADD, AVERAGE_POOL_2D, CONCATENATION, CONV_2D, DEPTHWISE_CONV_2D, "
        "FULLY_CONNECTED, MAX_POOL_2D, MEAN, PAD, RESHAPE, SOFTMAX, SQUEEZE, QUANTIZE, and "
        "DEQUANTIZE at the model's edges; fused RELU, RELU6 or NONE)";
    throw ImportError(message);
  }

  void check_edges() {
    if (subgraph_.inputs.size() != 1 || subgraph_.outputs.size() != 1) {
      fail(-1, "the model has " + std::to_string(subgraph_.inputs.size()) + " inputs and " +
                   std::to_string(subgraph_.outputs.size()) +
                   " outputs (field inputs / outputs; the engine runs one input, one output)");
    }
    input_tensor_ = subgraph_.inputs[0];
    output_tensor_ = subgraph_.outputs[0];
    if (subgraph_.operators.empty()) fail(-1, "the model has no operators");
  }

  // The shape as NHWC: rank <= 4, right-aligned into H, W, C after the batch.
  compiler::TensorShape shape_of(int op, int index) const {
    const tfl::Tensor& t = tensor(index);
    const std::vector<int32_t>& shape = t.shape;
    if (shape.size() > kMaxRank) {
      fail(op, where_tensor(index) + ": field shape has rank " + std::to_string(shape.size()) +
                   " (at most 4)");
    }
    for (size_t d = 0; d < t.shape_signature.size(); ++d) {
      if (t.shape_signature[d] < 0 && d != 0) {
        fail(op, where_tensor(index) + ": field shape_signature[" + std::to_string(d) +
                     "] = " + std::to_string(t.shape_signature[d]) +
                     " (dynamic shapes are not supported; only the batch may be -1)");
      }
    }
    int dims[4] = {1, 1, 1, 1};
    const size_t rank = shape.size();
    if (rank >= 2) dims[0] = shape[0];
    const size_t spatial_from = rank >= 2 ? 1 : 0;
    for (size_t d = spatial_from; d < rank; ++d) dims[4 - (rank - d)] = shape[d];
    if (dims[0] != 1) {
      fail(op, where_tensor(index) + ": field shape[0] = " + std::to_string(dims[0]) +
                   " (batch must be 1)");
    }
    return {dims[0], dims[1], dims[2], dims[3]};
  }

  // The graph tensor of an int8 activation, created on first use.
  int activation(int op, int index, const std::string& role) {
    if (index < 0) fail(op, role + " is omitted (tensor index -1)");
    if (graph_tensor_[index] >= 0) return graph_tensor_[index];
    const tfl::Tensor& t = tensor(index);
    if (is_constant(index)) {
      fail(op, role + " " + where_tensor(index) +
                   " is a constant (field buffer); the engine takes constants only as weights");
    }
    if (t.type != TensorType::kInt8) {
      fail(op, role + " " + where_tensor(index) + ": field type is " +
                   tfl::tensor_type_name(t.type) + " (activations must be INT8)");
    }
    const tfl::Quantization& q = t.quantization;
    if (q.scales.size() != 1 || q.zero_points.size() > 1) {
      fail(op, role + " " + where_tensor(index) + ": field quantization has " +
                   std::to_string(q.scales.size()) +
                   " scales (an int8 activation needs one scale and zero point)");
    }
    compiler::Tensor g;
    g.name = t.name.empty() ? "tensor" + std::to_string(index) : t.name;
    g.shape = shape_of(op, index);
    g.scale = q.scales[0];
    g.zero_point = q.zero_points.empty() ? 0 : static_cast<int32_t>(q.zero_points[0]);
    graph_tensor_[index] = graph_.add_tensor(std::move(g));
    origin_.push_back(index);
    return graph_tensor_[index];
  }

  // An int8 weights tensor as a graph constant of `shape`; quantized per tensor or per channel
  // along `channel_dimension`, zero points 0.
  int weights(int op, int index, int channel_dimension, const compiler::TensorShape& shape,
              int channels) {
    if (index < 0) fail(op, "the weights are omitted (inputs[1] = -1)");
    const tfl::Tensor& t = tensor(index);
    const std::string what = "weights " + where_tensor(index);
    if (!is_constant(index)) {
      fail(op, what + " is not a constant (field buffer is empty; weights must be in the model)");
    }
    const tfl::Quantization& q = t.quantization;
    if (t.type != TensorType::kInt8) {
      fail(op, what + ": field type is " + tfl::tensor_type_name(t.type) +
                   (q.empty() ? " without quantization" : "") +
                   " (weights must be INT8, quantized per tensor or per channel)");
    }
    if (q.scales.empty()) fail(op, what + ": field quantization is missing (INT8 needs scales)");
    if (q.scales.size() != 1 && (q.scales.size() != static_cast<size_t>(channels) ||
                                 q.quantized_dimension != channel_dimension)) {
      fail(op, what + ": field quantization has " + std::to_string(q.scales.size()) +
                   " scales along dimension " + std::to_string(q.quantized_dimension) +
                   " (expected 1, or " + std::to_string(channels) + " along dimension " +
                   std::to_string(channel_dimension) + ")");
    }
    for (size_t i = 0; i < q.zero_points.size(); ++i) {
      if (q.zero_points[i] != 0) {
        fail(op, what + ": field quantization.zero_point[" + std::to_string(i) + "] = " +
                     std::to_string(q.zero_points[i]) + " (int8 weights are symmetric: 0)");
      }
    }
    for (size_t i = 0; i < q.scales.size(); ++i) {
      if (!(std::isfinite(q.scales[i]) && q.scales[i] > 0.0f)) {
        fail(op, what + ": field quantization.scale[" + std::to_string(i) +
                     "] = " + std::to_string(q.scales[i]) + " (expected a finite value > 0)");
      }
    }
    const std::vector<uint8_t>& bytes = data(index);
    if (static_cast<int64_t>(bytes.size()) != shape.elements()) {
      fail(op, what + ": field shape holds " + std::to_string(bytes.size()) +
                   " values, the operator needs " + std::to_string(shape.elements()));
    }
    compiler::Tensor g;
    g.name = t.name.empty() ? "tensor" + std::to_string(index) : t.name;
    g.shape = shape;
    g.is_constant = true;
    g.channel_scales = q.scales;
    g.data.resize(bytes.size());
    std::memcpy(g.data.data(), bytes.data(), bytes.size());
    origin_.push_back(index);
    return graph_.add_tensor(std::move(g));
  }

  std::vector<int32_t> int_constant(int op, int index, const std::string& role) const {
    if (index < 0 || !is_constant(index)) {
      fail(op,
           role + (index < 0 ? " is omitted" : " " + where_tensor(index) + " is not a constant"));
    }
    const tfl::Tensor& t = tensor(index);
    const std::vector<uint8_t>& bytes = data(index);
    std::vector<int32_t> values;
    if (t.type == TensorType::kInt32) {
      values.resize(bytes.size() / 4);
      std::memcpy(values.data(), bytes.data(), values.size() * 4);
    } else if (t.type == TensorType::kInt64) {
      for (size_t i = 0; i + 8 <= bytes.size(); i += 8) {
        int64_t v = 0;
        std::memcpy(&v, bytes.data() + i, 8);
        if (v < INT32_MIN || v > INT32_MAX) {
          fail(op, role + " " + where_tensor(index) + " holds " + std::to_string(v));
        }
        values.push_back(static_cast<int32_t>(v));
      }
    } else {
      fail(op, role + " " + where_tensor(index) + ": field type is " +
                   tfl::tensor_type_name(t.type) + " (expected INT32 or INT64)");
    }
    return values;
  }

  std::vector<int32_t> bias(int op, const tfl::Operator& o, int channels) const {
    if (o.inputs.size() < 3 || o.inputs[2] < 0) return std::vector<int32_t>(channels, 0);
    const int index = o.inputs[2];
    const tfl::Tensor& t = tensor(index);
    if (t.type != TensorType::kInt32) {
      fail(op, "bias " + where_tensor(index) + ": field type is " + tfl::tensor_type_name(t.type) +
                   " (expected INT32)");
    }
    std::vector<int32_t> values = int_constant(op, index, "bias");
    if (static_cast<int>(values.size()) != channels) {
      fail(op, "bias " + where_tensor(index) + " holds " + std::to_string(values.size()) +
                   " values for " + std::to_string(channels) + " output channels");
    }
    return values;
  }

  // --- operators ---
  compiler::Activation activation_of(tfl::Activation a) const {
    if (a == tfl::Activation::kRelu) return compiler::Activation::kRelu;
    if (a == tfl::Activation::kRelu6) return compiler::Activation::kRelu6;
    return compiler::Activation::kNone;
  }

  void require_inputs(int op, size_t min, size_t max) const {
    const tfl::Operator& o = subgraph_.operators[op];
    if (o.inputs.size() < min || o.inputs.size() > max || o.outputs.size() != 1) {
      fail(op, "has " + std::to_string(o.inputs.size()) + " inputs and " +
                   std::to_string(o.outputs.size()) + " outputs (fields inputs / outputs)");
    }
  }

  // SAME: TFLite's padding, the odd extra row / column at the bottom / right; VALID: none.
  void set_window(int op, compiler::Op& g, tfl::Padding padding, int kernel_h, int kernel_w,
                  int stride_h, int stride_w, int dilation_h, int dilation_w) const {
    if (stride_h < 1 || stride_w < 1) {
      fail(op, "field stride_h / stride_w = " + std::to_string(stride_h) + " / " +
                   std::to_string(stride_w) + " (expected >= 1)");
    }
    if (stride_h > runtime::kMaxStride || stride_w > runtime::kMaxStride) {
      fail(op, "field stride_h / stride_w = " + std::to_string(stride_h) + " / " +
                   std::to_string(stride_w) + " (the engine supports 1.." +
                   std::to_string(runtime::kMaxStride) + ")");
    }
    if (kernel_h < 1 || kernel_w < 1 || kernel_h > runtime::kMaxKernelSize ||
        kernel_w > runtime::kMaxKernelSize) {
      fail(op, "kernel / filter " + std::to_string(kernel_h) + "x" + std::to_string(kernel_w) +
                   " (the engine supports 1.." + std::to_string(runtime::kMaxKernelSize) +
                   " per side)");
    }
    if (dilation_h != 1 || dilation_w != 1) {
      fail(op, "field dilation_h_factor / dilation_w_factor = " + std::to_string(dilation_h) +
                   " / " + std::to_string(dilation_w) + " (only 1 is supported)");
    }
    g.kernel_h = kernel_h;
    g.kernel_w = kernel_w;
    g.stride_h = stride_h;
    g.stride_w = stride_w;
    if (padding != tfl::Padding::kSame) return;
    const compiler::TensorShape& in = graph_.tensors[g.inputs[0]].shape;
    const auto same = [](int size, int kernel, int stride, int* before, int* after) {
      const int out = (size + stride - 1) / stride;
      const int total = std::max((out - 1) * stride + kernel - size, 0);
      *before = total / 2;
      *after = total - total / 2;
    };
    same(in.h, kernel_h, stride_h, &g.pad_top, &g.pad_bottom);
    same(in.w, kernel_w, stride_w, &g.pad_left, &g.pad_right);
  }

  std::string op_name(int op) const {
    const tfl::Operator& o = subgraph_.operators[op];
    const std::string& out = o.outputs.empty() ? std::string() : tensor(o.outputs[0]).name;
    return out.empty() ? "operator" + std::to_string(op) : out;
  }

  compiler::Op start_op(int op, OpKind kind, std::vector<int> inputs) {
    compiler::Op g;
    g.kind = kind;
    g.name = op_name(op);
    g.inputs = std::move(inputs);
    return g;
  }
  void finish_op(int op, compiler::Op g) {
    g.output = activation(op, subgraph_.operators[op].outputs[0], "output");
    graph_.add_op(std::move(g));
  }

  int input0(int op) {
    if (graph_.input < 0) graph_.input = activation(-1, input_tensor_, "the model input");
    return activation(op, subgraph_.operators[op].inputs[0], "input");
  }

  void import_operator(int op) {
    const tfl::Operator& o = subgraph_.operators[op];
    switch (code(op)) {
      case BuiltinOperator::kQuantize:
        return import_quantize(op, o);
      case BuiltinOperator::kDequantize:
        return import_dequantize(op, o);
      case BuiltinOperator::kConv2D:
        return import_convolution<tfl::Conv2DOptions>(op, o, OpKind::kConv2d);
      case BuiltinOperator::kDepthwiseConv2D:
        return import_convolution<tfl::DepthwiseConv2DOptions>(op, o, OpKind::kDepthwiseConv2d);
      case BuiltinOperator::kFullyConnected:
        return import_fully_connected(op, o);
      case BuiltinOperator::kAdd: {
        require_inputs(op, 2, 2);
        const int a = input0(op);
        const int b = activation(op, o.inputs[1], "inputs[1]");
        compiler::Op g = start_op(op, OpKind::kAdd, {a, b});
        g.activation =
            activation_of(tfl::options_or_default<tfl::AddOptions>(o.options).activation);
        return finish_op(op, std::move(g));
      }
      case BuiltinOperator::kAveragePool2D:
      case BuiltinOperator::kMaxPool2D: {
        require_inputs(op, 1, 1);
        const auto options = tfl::options_or_default<tfl::Pool2DOptions>(o.options);
        compiler::Op g = start_op(
            op,
            code(op) == BuiltinOperator::kMaxPool2D ? OpKind::kMaxPool2d : OpKind::kAveragePool2d,
            {input0(op)});
        set_window(op, g, options.padding, options.filter_height, options.filter_width,
                   options.stride_h, options.stride_w, 1, 1);
        g.activation = activation_of(options.activation);
        return finish_op(op, std::move(g));
      }
      case BuiltinOperator::kMean:
        return import_mean(op, o);
      case BuiltinOperator::kReshape:
      case BuiltinOperator::kSqueeze: {
        require_inputs(op, 1, 2);
        return finish_op(op, start_op(op, OpKind::kReshape, {input0(op)}));
      }
      case BuiltinOperator::kSoftmax: {
        require_inputs(op, 1, 1);
        compiler::Op g = start_op(op, OpKind::kSoftmax, {input0(op)});
        g.beta = tfl::options_or_default<tfl::SoftmaxOptions>(o.options).beta;
        return finish_op(op, std::move(g));
      }
      case BuiltinOperator::kPad:
        return import_pad(op, o);
      case BuiltinOperator::kConcatenation: {
        if (o.inputs.size() < 2 || o.outputs.size() != 1) require_inputs(op, 2, 2);
        const auto options = tfl::options_or_default<tfl::ConcatenationOptions>(o.options);
        const int rank = static_cast<int>(tensor(o.outputs[0]).shape.size());
        const int axis = options.axis < 0 ? options.axis + rank : options.axis;
        if (axis != rank - 1) {
          fail(op, "field axis = " + std::to_string(options.axis) + " on rank " +
                       std::to_string(rank) + " (only the channel axis, the last, is supported)");
        }
        std::vector<int> inputs{input0(op)};
        for (size_t i = 1; i < o.inputs.size(); ++i) {
          inputs.push_back(activation(op, o.inputs[i], "inputs[" + std::to_string(i) + "]"));
        }
        if (options.activation != tfl::Activation::kNone) {
          fail(op, "field fused_activation_function = " + activation_name(options.activation) +
                       " (a concatenation takes none here)");
        }
        return finish_op(op, start_op(op, OpKind::kConcatenation, std::move(inputs)));
      }
      default:
        fail(op, "unsupported operator");  // check_supported listed it already
    }
  }

  void import_quantize(int op, const tfl::Operator& o) {
    require_inputs(op, 1, 1);
    const int in = o.inputs[0];
    if (in >= 0 && tensor(in).type == TensorType::kFloat32) {
      if (in != input_tensor_ || graph_.input >= 0) {
        fail(op, "quantizes FLOAT32 " + where_tensor(in) +
                     ", which is not the model input (float only at the edges)");
      }
      graph_.input = activation(op, o.outputs[0], "output");
      graph_.real_input = true;
      return;
    }
    finish_op(op, start_op(op, OpKind::kQuantize, {input0(op)}));
  }

  void import_dequantize(int op, const tfl::Operator& o) {
    require_inputs(op, 1, 1);
    if (o.outputs[0] != output_tensor_ || tensor(o.outputs[0]).type != TensorType::kFloat32) {
      fail(op, "output " + where_tensor(o.outputs[0]) +
                   " is not the model's FLOAT32 output (DEQUANTIZE only at the output edge)");
    }
    graph_.output = input0(op);
    graph_.real_output = true;
  }

  // CONV_2D (weights O x KH x KW x I, per channel along 0) and DEPTHWISE_CONV_2D (weights
  // 1 x KH x KW x C_out, per channel along 3).
  template <typename Options>
  void import_convolution(int op, const tfl::Operator& o, OpKind kind) {
    require_inputs(op, 2, 3);
    const auto options = tfl::options_or_default<Options>(o.options);
    const bool depthwise = kind == OpKind::kDepthwiseConv2d;
    if (depthwise && is_global_average_pool(op)) {
      compiler::Op g = start_op(op, OpKind::kGlobalAveragePool, {input0(op)});
      g.activation = activation_of(options.activation);
      return finish_op(op, std::move(g));
    }
    compiler::Op g = start_op(op, kind, {window_input(op)});
    const int w_index = weights_index(op, o);
    const tfl::Tensor& w = tensor(w_index);
    if (w.shape.size() != 4 || (depthwise && w.shape[0] != 1)) {
      fail(op, "weights " + where_tensor(w_index) + ": field shape is not " +
                   (depthwise ? "1 x KH x KW x C_out" : "O x KH x KW x I") + " (rank " +
                   std::to_string(w.shape.size()) + ")");
    }
    set_window(op, g, options.padding, w.shape[1], w.shape[2], options.stride_h, options.stride_w,
               options.dilation_h_factor, options.dilation_w_factor);
    apply_folded_pad(op, g);
    const int channel_dimension = depthwise ? 3 : 0;
    const int channels = w.shape[static_cast<size_t>(channel_dimension)];
    g.weights = weights(op, w_index, channel_dimension,
                        {w.shape[0], w.shape[1], w.shape[2], w.shape[3]}, channels);
    g.bias = bias(op, o, channels);
    g.activation = activation_of(options.activation);
    // As for our own networks: the planner may run a depthwise op in place (multiplier 1 only).
    g.allow_in_place = depthwise && channels == graph_.tensors[g.inputs[0]].shape.c;
    finish_op(op, std::move(g));
  }

  int weights_index(int op, const tfl::Operator& o) const {
    if (o.inputs[1] < 0) fail(op, "the weights are omitted (field inputs[1] = -1)");
    return o.inputs[1];
  }

  void import_fully_connected(int op, const tfl::Operator& o) {
    require_inputs(op, 2, 3);
    const auto options = tfl::options_or_default<tfl::FullyConnectedOptions>(o.options);
    if (options.weights_format != tfl::WeightsFormat::kDefault) {
      fail(op, "field weights_format is SHUFFLED4x16INT8 (only DEFAULT is supported)");
    }
    compiler::Op g = start_op(op, OpKind::kFullyConnected, {input0(op)});
    const int w_index = weights_index(op, o);
    const tfl::Tensor& w = tensor(w_index);
    if (w.shape.size() != 2) {
      fail(op, "weights " + where_tensor(w_index) + ": field shape has rank " +
                   std::to_string(w.shape.size()) + " (expected O x K)");
    }
    const int channels = w.shape[0];
    g.weights = weights(op, w_index, 0, {w.shape[0], 1, 1, w.shape[1]}, channels);
    g.bias = bias(op, o, channels);
    g.activation = activation_of(options.activation);
    finish_op(op, std::move(g));
  }

  void import_mean(int op, const tfl::Operator& o) {
    require_inputs(op, 2, 2);
    const int in = input0(op);
    std::vector<int32_t> axes = int_constant(op, o.inputs[1], "axes (inputs[1])");
    const int rank = static_cast<int>(tensor(o.inputs[0]).shape.size());
    for (int32_t& axis : axes) axis = axis < 0 ? axis + rank : axis;
    std::sort(axes.begin(), axes.end());
    if (rank != 4 || axes != std::vector<int32_t>{1, 2}) {
      fail(op, "reduces axes of a rank-" + std::to_string(rank) +
                   " input other than H and W (only MEAN over axes 1 and 2 of NHWC is supported)");
    }
    compiler::Op g = start_op(op, OpKind::kMean, {in});
    g.keep_dims = tfl::options_or_default<tfl::ReducerOptions>(o.options).keep_dims;
    finish_op(op, std::move(g));
  }

  void import_pad(int op, const tfl::Operator& o) {
    require_inputs(op, 2, 2);
    const int in = input0(op);
    const std::vector<int32_t> pads = int_constant(op, o.inputs[1], "paddings (inputs[1])");
    const int rank = static_cast<int>(tensor(o.inputs[0]).shape.size());
    if (rank != 4 || pads.size() != 8 || pads[0] != 0 || pads[1] != 0 || pads[6] != 0 ||
        pads[7] != 0) {
      fail(op, "paddings " + where_tensor(o.inputs[1]) +
                   " pad other than H and W of a rank-4 input (only spatial padding is supported)");
    }
    compiler::Op g = start_op(op, OpKind::kPad, {in});
    g.pad_top = pads[2];
    g.pad_bottom = pads[3];
    g.pad_left = pads[4];
    g.pad_right = pads[5];
    finish_op(op, std::move(g));
  }

  const tfl::Model& model_;
  const tfl::SubGraph& subgraph_;
  std::vector<int> graph_tensor_;  // per TFLite tensor: its graph tensor, or -1
  std::vector<int> origin_;        // per graph tensor: the TFLite tensor it came from
  std::vector<int> folded_pad_;    // per operator: the PAD folded into it, or -1
  std::vector<bool> folded_;       // per operator: a PAD folded into its reader
  int input_tensor_ = -1;
  int output_tensor_ = -1;
  Graph graph_;
};

}  // namespace

Graph import_tflite(const tflite::Model& model) {
  if (model.subgraphs.empty()) throw ImportError("the model has no subgraphs");
  return Importer(model).run();
}

Graph import_tflite_file(const std::string& path) {
  const tflite::Model model = tflite::read_model_file(path);
  try {
    return import_tflite(model);
  } catch (const ImportError& error) {
    throw ImportError(path + ": " + error.what());
  }
}

}  // namespace tinynas::tflite_convert
