#include "tflite/model_validation.h"

#include <cmath>
#include <optional>
#include <string>

#include "tflite/tflite_error.h"

namespace tinynas::tflite {
namespace {

std::string shape_text(const std::vector<int32_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) text += ", ";
    text += std::to_string(shape[i]);
  }
  return text + "]";
}

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw TfliteError(where + ": " + what);
}

// Elements of a shape whose dimensions are all positive; nullopt past kMaxTensorElements.
std::optional<uint64_t> element_count(const std::vector<int32_t>& shape) {
  uint64_t count = 1;
  for (int32_t dim : shape) {
    count *= static_cast<uint64_t>(dim);  // both factors <= 2^31: no overflow
    if (count > kMaxTensorElements) return std::nullopt;
  }
  return count;
}

void check_tensor_index(const std::string& where, const char* field, size_t position, int32_t index,
                        size_t tensor_count, bool optional) {
  if (optional && index == -1) return;
  if (index < 0 || static_cast<size_t>(index) >= tensor_count) {
    fail(where, std::string(field) + "[" + std::to_string(position) +
                    "] = " + std::to_string(index) + " is not a tensor index (" +
                    std::to_string(tensor_count) + " tensors)");
  }
}

void check_tensor_indices(const std::string& where, const char* field,
                          const std::vector<int32_t>& indices, size_t tensor_count, bool optional) {
  for (size_t i = 0; i < indices.size(); ++i) {
    check_tensor_index(where, field, i, indices[i], tensor_count, optional);
  }
}

void check_quantization(const std::string& where, const Tensor& tensor) {
  const Quantization& q = tensor.quantization;
  if (q.empty()) {
    if (q.quantized_dimension != 0) {
      fail(where, "quantization.quantized_dimension = " + std::to_string(q.quantized_dimension) +
                      " without scales or zero points");
    }
    return;
  }
  const size_t count = q.scales.size();
  if (count != q.zero_points.size()) {
    fail(where, "quantization has " + std::to_string(count) + " scales and " +
                    std::to_string(q.zero_points.size()) + " zero points");
  }
  const size_t rank = tensor.shape.size();
  const bool dimension_valid =
      q.quantized_dimension >= 0 &&
      (static_cast<size_t>(q.quantized_dimension) < rank || (rank == 0 && count == 1));
  if (!dimension_valid) {
    fail(where, "quantization.quantized_dimension = " + std::to_string(q.quantized_dimension) +
                    " is not a dimension of the shape " + shape_text(tensor.shape));
  }
  if (count != 1) {
    const int32_t channels = tensor.shape[static_cast<size_t>(q.quantized_dimension)];
    if (count != static_cast<size_t>(channels)) {
      fail(where, "quantization has " + std::to_string(count) + " scales, expected 1 or shape[" +
                      std::to_string(q.quantized_dimension) + "] = " + std::to_string(channels));
    }
  }
  for (size_t i = 0; i < count; ++i) {
    if (!std::isfinite(q.scales[i]) || !(q.scales[i] > 0.0f)) {
      fail(where, "quantization.scales[" + std::to_string(i) +
                      "] = " + std::to_string(q.scales[i]) + " is not a positive finite number");
    }
  }
  if (const std::optional<IntegerRange> range = quantized_value_range(tensor.type)) {
    for (size_t i = 0; i < count; ++i) {
      const int64_t zero_point = q.zero_points[i];
      if (zero_point < range->min || zero_point > range->max) {
        fail(where, "quantization.zero_points[" + std::to_string(i) +
                        "] = " + std::to_string(zero_point) + " is outside " +
                        tensor_type_name(tensor.type) + "'s range [" + std::to_string(range->min) +
                        ", " + std::to_string(range->max) + "]");
      }
    }
  }
}

void check_tensor(const std::string& where, const Tensor& tensor, const Model& model) {
  if (!is_known_tensor_type(tensor.type)) {
    fail(where, "type = " + std::to_string(static_cast<int>(tensor.type)) + " is not a TensorType");
  }
  for (size_t i = 0; i < tensor.shape.size(); ++i) {
    if (tensor.shape[i] <= 0) {
      fail(where, "shape[" + std::to_string(i) + "] = " + std::to_string(tensor.shape[i]) +
                      " must be positive");
    }
  }
  const std::optional<uint64_t> elements = element_count(tensor.shape);
  if (!elements) {
    fail(where, "shape " + shape_text(tensor.shape) + " has more than " +
                    std::to_string(kMaxTensorElements) + " elements");
  }
  if (!tensor.shape_signature.empty()) {
    if (tensor.shape_signature.size() != tensor.shape.size()) {
      fail(where, "shape_signature " + shape_text(tensor.shape_signature) + " and shape " +
                      shape_text(tensor.shape) + " differ in rank");
    }
    for (size_t i = 0; i < tensor.shape.size(); ++i) {
      const int32_t dim = tensor.shape_signature[i];
      if (dim != -1 && dim != tensor.shape[i]) {
        fail(where, "shape_signature[" + std::to_string(i) + "] = " + std::to_string(dim) +
                        " is neither -1 nor shape[" + std::to_string(i) +
                        "] = " + std::to_string(tensor.shape[i]));
      }
    }
  }
  if (tensor.buffer != 0 && tensor.buffer >= model.buffers.size()) {
    fail(where, "buffer = " + std::to_string(tensor.buffer) + " is not a buffer index (" +
                    std::to_string(model.buffers.size()) + " buffers)");
  }
  check_quantization(where, tensor);
  if (tensor.buffer == 0) return;
  const std::vector<uint8_t>& data = model.buffers[tensor.buffer].data;
  if (data.empty()) return;  // a tensor with its own empty buffer holds no constant
  const std::optional<uint64_t> bytes = tensor_byte_size(tensor.type, *elements);
  if (bytes && *bytes != data.size()) {
    fail(where, "buffer " + std::to_string(tensor.buffer) + " holds " +
                    std::to_string(data.size()) + " bytes, the " + tensor_type_name(tensor.type) +
                    " tensor of shape " + shape_text(tensor.shape) + " needs " +
                    std::to_string(*bytes));
  }
}

void check_padding(const std::string& where, const char* table, Padding padding) {
  if (padding != Padding::kSame && padding != Padding::kValid) {
    fail(where, std::string(table) + ".padding = " + std::to_string(static_cast<int>(padding)) +
                    " is neither SAME (0) nor VALID (1)");
  }
}

void check_activation(const std::string& where, const char* table, Activation activation) {
  const int value = static_cast<int>(activation);
  if (value < static_cast<int>(Activation::kNone) ||
      value > static_cast<int>(Activation::kSignBit)) {
    fail(where, std::string(table) + ".fused_activation_function = " + std::to_string(value) +
                    " is not an ActivationFunctionType (0 to 5)");
  }
}

void check_at_least(const std::string& where, const char* table, const char* field, int32_t value,
                    int32_t minimum) {
  if (value < minimum) {
    fail(where, std::string(table) + "." + field + " = " + std::to_string(value) +
                    " must be at least " + std::to_string(minimum));
  }
}

void check_bias_type(const std::string& where, const char* table, TensorType type) {
  if (!is_known_tensor_type(type)) {
    fail(where, std::string(table) + ".quantized_bias_type = " +
                    std::to_string(static_cast<int>(type)) + " is not a TensorType");
  }
}

// Option values the schema's types allow but no runtime accepts.
struct OptionsChecker {
  const std::string& where;

  // The fields the sliding-window ops (convolutions, pools) share.
  void check_window(const char* table, Padding padding, int32_t stride_w, int32_t stride_h,
                    Activation activation) const {
    check_padding(where, table, padding);
    check_at_least(where, table, "stride_w", stride_w, 1);
    check_at_least(where, table, "stride_h", stride_h, 1);
    check_activation(where, table, activation);
  }

  void operator()(const Conv2DOptions& o) const {
    const char* t = "Conv2DOptions";
    check_window(t, o.padding, o.stride_w, o.stride_h, o.activation);
    check_at_least(where, t, "dilation_w_factor", o.dilation_w_factor, 1);
    check_at_least(where, t, "dilation_h_factor", o.dilation_h_factor, 1);
    check_bias_type(where, t, o.quantized_bias_type);
  }
  void operator()(const DepthwiseConv2DOptions& o) const {
    const char* t = "DepthwiseConv2DOptions";
    check_window(t, o.padding, o.stride_w, o.stride_h, o.activation);
    check_at_least(where, t, "depth_multiplier", o.depth_multiplier, 0);
    check_at_least(where, t, "dilation_w_factor", o.dilation_w_factor, 1);
    check_at_least(where, t, "dilation_h_factor", o.dilation_h_factor, 1);
  }
  void operator()(const Pool2DOptions& o) const {
    const char* t = "Pool2DOptions";
    check_window(t, o.padding, o.stride_w, o.stride_h, o.activation);
    check_at_least(where, t, "filter_width", o.filter_width, 1);
    check_at_least(where, t, "filter_height", o.filter_height, 1);
  }
  void operator()(const FullyConnectedOptions& o) const {
    const char* t = "FullyConnectedOptions";
    check_activation(where, t, o.activation);
    if (o.weights_format != WeightsFormat::kDefault &&
        o.weights_format != WeightsFormat::kShuffled4x16Int8) {
      fail(where, "FullyConnectedOptions.weights_format = " +
                      std::to_string(static_cast<int>(o.weights_format)) +
                      " is neither DEFAULT (0) nor SHUFFLED4x16INT8 (1)");
    }
    check_bias_type(where, t, o.quantized_bias_type);
  }
  void operator()(const SoftmaxOptions& o) const {
    if (!std::isfinite(o.beta)) {
      fail(where, "SoftmaxOptions.beta = " + std::to_string(o.beta) + " is not finite");
    }
  }
  void operator()(const ConcatenationOptions& o) const {
    check_activation(where, "ConcatenationOptions", o.activation);
  }
  void operator()(const AddOptions& o) const {
    check_activation(where, "AddOptions", o.activation);
  }
  void operator()(const ReshapeOptions& o) const {
    bool inferred = false;
    for (size_t i = 0; i < o.new_shape.size(); ++i) {
      const int32_t dim = o.new_shape[i];
      const bool second_inferred = dim == -1 && inferred;
      if ((dim <= 0 && dim != -1) || second_inferred) {
        fail(where, "ReshapeOptions.new_shape[" + std::to_string(i) + "] = " + std::to_string(dim) +
                        " must be positive, or -1 once");
      }
      inferred = inferred || dim == -1;
    }
  }
  void operator()(const ReducerOptions&) const {}
  void operator()(const SqueezeOptions&) const {}
  void operator()(const PadOptions&) const {}
  void operator()(const QuantizeOptions&) const {}
  void operator()(const DequantizeOptions&) const {}
  void operator()(const NoOptions&) const {}
  void operator()(const UndecodedOptions&) const {}
};

void check_options(const std::string& where, const Operator& op, BuiltinOperator code) {
  const bool none = std::holds_alternative<NoOptions>(op.options);
  if (options_are_decoded(code)) {
    const BuiltinOptions expected = default_options_for(code);
    if (none && options_required(code)) {
      fail(where, "has no builtin options, expected " + options_name(expected));
    }
    if (!none && op.options.index() != expected.index()) {
      fail(where, "carries " + options_name(op.options) + ", expected " + options_name(expected));
    }
  } else if (!none && !std::holds_alternative<UndecodedOptions>(op.options)) {
    fail(where, "carries " + options_name(op.options) + ", which " + builtin_operator_name(code) +
                    " does not take");
  }
  std::visit(OptionsChecker{where}, op.options);
}

void check_subgraph(size_t index, const SubGraph& subgraph, const Model& model) {
  const std::string where = "subgraph " + std::to_string(index);
  const size_t tensor_count = subgraph.tensors.size();
  for (size_t t = 0; t < tensor_count; ++t) {
    check_tensor(where + " tensor " + std::to_string(t), subgraph.tensors[t], model);
  }
  check_tensor_indices(where, "inputs", subgraph.inputs, tensor_count, false);
  check_tensor_indices(where, "outputs", subgraph.outputs, tensor_count, false);
  for (size_t o = 0; o < subgraph.operators.size(); ++o) {
    const Operator& op = subgraph.operators[o];
    std::string op_where = where + " operator " + std::to_string(o);
    if (op.opcode_index >= model.operator_codes.size()) {
      fail(op_where, "opcode_index = " + std::to_string(op.opcode_index) +
                         " is not an operator code index (" +
                         std::to_string(model.operator_codes.size()) + " operator codes)");
    }
    const BuiltinOperator code = model.operator_codes[op.opcode_index].builtin_code;
    op_where += " (" + builtin_operator_name(code) + ")";
    check_tensor_indices(op_where, "inputs", op.inputs, tensor_count, true);
    check_tensor_indices(op_where, "outputs", op.outputs, tensor_count, false);
    check_options(op_where, op, code);
  }
}

}  // namespace

void check_schema_version(uint32_t version) {
  if (version != kSchemaVersion) {
    throw TfliteError("model: version = " + std::to_string(version) + ", only schema version " +
                      std::to_string(kSchemaVersion) + " is supported");
  }
}

void validate_model(const Model& model) {
  check_schema_version(model.version);
  if (model.subgraphs.empty()) throw TfliteError("model: no subgraphs");
  if (!model.buffers.empty() && !model.buffers[0].data.empty()) {
    throw TfliteError("buffer 0 holds " + std::to_string(model.buffers[0].data.size()) +
                      " bytes; it must be the empty sentinel");
  }
  for (size_t i = 0; i < model.operator_codes.size(); ++i) {
    const OperatorCode& code = model.operator_codes[i];
    const std::string where = "operator code " + std::to_string(i);
    if (static_cast<int32_t>(code.builtin_code) < 0) {
      fail(where, "builtin_code = " + std::to_string(static_cast<int32_t>(code.builtin_code)) +
                      " is negative");
    }
    if (code.version < 1) {
      fail(where, "version = " + std::to_string(code.version) + " must be at least 1");
    }
  }
  for (size_t s = 0; s < model.subgraphs.size(); ++s) {
    check_subgraph(s, model.subgraphs[s], model);
  }
}

}  // namespace tinynas::tflite
