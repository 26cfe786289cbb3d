#include "tflite/model_reader.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <optional>

#include "tflite/model_validation.h"
#include "tflite/schema_fields.h"
#include "tflite/tflite_error.h"
#include "tflite/verified_table.h"

namespace tinynas::tflite {
namespace {

namespace fields = schema;
using schema::OptionsType;

std::string indexed(const std::string& where, const char* what, size_t index) {
  return where + " " + what + " " + std::to_string(index);
}

Quantization read_quantization(VerifiedBuffer& buffer, const uint8_t* table,
                               const std::string& where) {
  const VerifiedTable q(buffer, table, where + " quantization");
  namespace f = fields::quantization;
  Quantization quantization;
  quantization.scales = q.scalar_vector<float>(f::kScale, "scale");
  quantization.zero_points = q.scalar_vector<int64_t>(f::kZeroPoint, "zero_point");
  quantization.quantized_dimension =
      q.scalar<int32_t>(f::kQuantizedDimension, 0, "quantized_dimension");
  const uint8_t details = q.scalar<uint8_t>(f::kDetailsType, 0, "details_type");
  if (details != 0) {
    throw TfliteError(q.where() + ": details_type = " + std::to_string(details) +
                      ": custom quantization is not supported");
  }
  // A table with neither scales nor zero points (min/max only, say) quantizes nothing: its
  // dimension means nothing either.
  if (quantization.empty()) return Quantization{};
  return quantization;
}

Tensor read_tensor(VerifiedBuffer& buffer, const uint8_t* table, const std::string& where) {
  const VerifiedTable t(buffer, table, where);
  namespace f = fields::tensor;
  Tensor tensor;
  tensor.shape = t.scalar_vector<int32_t>(f::kShape, "shape");
  tensor.type = static_cast<TensorType>(t.scalar<int8_t>(f::kType, 0, "type"));
  tensor.buffer = t.scalar<uint32_t>(f::kBuffer, 0, "buffer");
  tensor.name = t.string(f::kName, "name");
  if (const uint8_t* quantization = t.table(f::kQuantization, "quantization")) {
    tensor.quantization = read_quantization(buffer, quantization, where);
  }
  tensor.is_variable = t.scalar<uint8_t>(f::kIsVariable, 0, "is_variable") != 0;
  if (t.has(f::kSparsity)) {
    throw TfliteError(where + ": sparsity: sparse tensors are not supported");
  }
  tensor.shape_signature = t.scalar_vector<int32_t>(f::kShapeSignature, "shape_signature");
  return tensor;
}

BuiltinOptions read_conv2d(const VerifiedTable& o) {
  namespace f = fields::conv2d;
  Conv2DOptions options;
  options.padding = static_cast<Padding>(o.scalar<int8_t>(f::kPadding, 0, "padding"));
  options.stride_w = o.scalar<int32_t>(f::kStrideW, 0, "stride_w");
  options.stride_h = o.scalar<int32_t>(f::kStrideH, 0, "stride_h");
  options.activation =
      static_cast<Activation>(o.scalar<int8_t>(f::kActivation, 0, "fused_activation_function"));
  options.dilation_w_factor = o.scalar<int32_t>(f::kDilationW, 1, "dilation_w_factor");
  options.dilation_h_factor = o.scalar<int32_t>(f::kDilationH, 1, "dilation_h_factor");
  options.quantized_bias_type =
      static_cast<TensorType>(o.scalar<int8_t>(f::kQuantizedBiasType, 0, "quantized_bias_type"));
  return options;
}

BuiltinOptions read_depthwise_conv2d(const VerifiedTable& o) {
  namespace f = fields::depthwise_conv2d;
  DepthwiseConv2DOptions options;
  options.padding = static_cast<Padding>(o.scalar<int8_t>(f::kPadding, 0, "padding"));
  options.stride_w = o.scalar<int32_t>(f::kStrideW, 0, "stride_w");
  options.stride_h = o.scalar<int32_t>(f::kStrideH, 0, "stride_h");
  options.depth_multiplier = o.scalar<int32_t>(f::kDepthMultiplier, 0, "depth_multiplier");
  options.activation =
      static_cast<Activation>(o.scalar<int8_t>(f::kActivation, 0, "fused_activation_function"));
  options.dilation_w_factor = o.scalar<int32_t>(f::kDilationW, 1, "dilation_w_factor");
  options.dilation_h_factor = o.scalar<int32_t>(f::kDilationH, 1, "dilation_h_factor");
  return options;
}

BuiltinOptions read_pool2d(const VerifiedTable& o) {
  namespace f = fields::pool2d;
  Pool2DOptions options;
  options.padding = static_cast<Padding>(o.scalar<int8_t>(f::kPadding, 0, "padding"));
  options.stride_w = o.scalar<int32_t>(f::kStrideW, 0, "stride_w");
  options.stride_h = o.scalar<int32_t>(f::kStrideH, 0, "stride_h");
  options.filter_width = o.scalar<int32_t>(f::kFilterWidth, 0, "filter_width");
  options.filter_height = o.scalar<int32_t>(f::kFilterHeight, 0, "filter_height");
  options.activation =
      static_cast<Activation>(o.scalar<int8_t>(f::kActivation, 0, "fused_activation_function"));
  return options;
}

BuiltinOptions read_fully_connected(const VerifiedTable& o) {
  namespace f = fields::fully_connected;
  FullyConnectedOptions options;
  options.activation =
      static_cast<Activation>(o.scalar<int8_t>(f::kActivation, 0, "fused_activation_function"));
  options.weights_format =
      static_cast<WeightsFormat>(o.scalar<int8_t>(f::kWeightsFormat, 0, "weights_format"));
  options.keep_num_dims = o.scalar<uint8_t>(f::kKeepNumDims, 0, "keep_num_dims") != 0;
  options.asymmetric_quantize_inputs =
      o.scalar<uint8_t>(f::kAsymmetricQuantizeInputs, 0, "asymmetric_quantize_inputs") != 0;
  options.quantized_bias_type =
      static_cast<TensorType>(o.scalar<int8_t>(f::kQuantizedBiasType, 0, "quantized_bias_type"));
  return options;
}

BuiltinOptions read_softmax(const VerifiedTable& o) {
  return SoftmaxOptions{o.scalar<float>(fields::softmax::kBeta, 0.0f, "beta")};
}

BuiltinOptions read_concatenation(const VerifiedTable& o) {
  namespace f = fields::concatenation;
  ConcatenationOptions options;
  options.axis = o.scalar<int32_t>(f::kAxis, 0, "axis");
  options.activation =
      static_cast<Activation>(o.scalar<int8_t>(f::kActivation, 0, "fused_activation_function"));
  return options;
}

BuiltinOptions read_add(const VerifiedTable& o) {
  namespace f = fields::add;
  AddOptions options;
  options.activation =
      static_cast<Activation>(o.scalar<int8_t>(f::kActivation, 0, "fused_activation_function"));
  options.pot_scale_int16 = o.scalar<uint8_t>(f::kPotScaleInt16, 1, "pot_scale_int16") != 0;
  return options;
}

BuiltinOptions read_reshape(const VerifiedTable& o) {
  return ReshapeOptions{o.scalar_vector<int32_t>(fields::reshape::kNewShape, "new_shape")};
}

BuiltinOptions read_reducer(const VerifiedTable& o) {
  return ReducerOptions{o.scalar<uint8_t>(fields::reducer::kKeepDims, 0, "keep_dims") != 0};
}

BuiltinOptions read_squeeze(const VerifiedTable& o) {
  return SqueezeOptions{o.scalar_vector<int32_t>(fields::squeeze::kSqueezeDims, "squeeze_dims")};
}

using OptionsDecoder = BuiltinOptions (*)(const VerifiedTable&);

// The decoder of an option table the reader understands; nullptr for other union types.
OptionsDecoder decoder_for(uint8_t type) {
  switch (static_cast<OptionsType>(type)) {
    case OptionsType::kConv2D:
      return read_conv2d;
    case OptionsType::kDepthwiseConv2D:
      return read_depthwise_conv2d;
    case OptionsType::kPool2D:
      return read_pool2d;
    case OptionsType::kFullyConnected:
      return read_fully_connected;
    case OptionsType::kSoftmax:
      return read_softmax;
    case OptionsType::kConcatenation:
      return read_concatenation;
    case OptionsType::kAdd:
      return read_add;
    case OptionsType::kReshape:
      return read_reshape;
    case OptionsType::kReducer:
      return read_reducer;
    case OptionsType::kSqueeze:
      return read_squeeze;
    case OptionsType::kPad:
      return [](const VerifiedTable&) -> BuiltinOptions { return PadOptions{}; };
    case OptionsType::kQuantize:
      return [](const VerifiedTable&) -> BuiltinOptions { return QuantizeOptions{}; };
    case OptionsType::kDequantize:
      return [](const VerifiedTable&) -> BuiltinOptions { return DequantizeOptions{}; };
    default:
      return nullptr;
  }
}

// Options are decoded only for the operators the importer handles (other operators share some
// option tables, e.g. L2_POOL_2D's Pool2DOptions, and are left undecoded and unchecked).
BuiltinOptions read_options(VerifiedBuffer& buffer, const VerifiedTable& op,
                            std::optional<BuiltinOperator> code) {
  const uint8_t type =
      op.scalar<uint8_t>(fields::op::kBuiltinOptionsType, 0, "builtin_options_type");
  if (type == 0) return NoOptions{};
  const OptionsDecoder decoder = decoder_for(type);
  if (decoder == nullptr || !code || !options_are_decoded(*code)) return UndecodedOptions{type};
  const uint8_t* table = op.table(fields::op::kBuiltinOptions, "builtin_options");
  if (table == nullptr) {
    throw TfliteError(op.where() + ": builtin_options_type = " + std::to_string(type) +
                      " but the builtin_options table is missing");
  }
  const VerifiedTable options(buffer, table, op.where() + " builtin_options");
  return decoder(options);
}

Operator read_operator(VerifiedBuffer& buffer, const uint8_t* table, const std::string& where,
                       const std::vector<OperatorCode>& codes) {
  const VerifiedTable o(buffer, table, where);
  namespace f = fields::op;
  Operator op;
  op.opcode_index = o.scalar<uint32_t>(f::kOpcodeIndex, 0, "opcode_index");
  op.inputs = o.scalar_vector<int32_t>(f::kInputs, "inputs");
  op.outputs = o.scalar_vector<int32_t>(f::kOutputs, "outputs");
  std::optional<BuiltinOperator> code;
  if (op.opcode_index < codes.size()) code = codes[op.opcode_index].builtin_code;
  op.options = read_options(buffer, o, code);
  op.custom_options = o.scalar_vector<uint8_t>(f::kCustomOptions, "custom_options");
  return op;
}

SubGraph read_subgraph(VerifiedBuffer& buffer, const uint8_t* table, const std::string& where,
                       const std::vector<OperatorCode>& codes) {
  const VerifiedTable s(buffer, table, where);
  namespace f = fields::subgraph;
  SubGraph subgraph;
  const std::vector<const uint8_t*> tensors = s.table_vector(f::kTensors, "tensors");
  subgraph.tensors.reserve(tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    subgraph.tensors.push_back(read_tensor(buffer, tensors[i], indexed(where, "tensor", i)));
  }
  subgraph.inputs = s.scalar_vector<int32_t>(f::kInputs, "inputs");
  subgraph.outputs = s.scalar_vector<int32_t>(f::kOutputs, "outputs");
  const std::vector<const uint8_t*> operators = s.table_vector(f::kOperators, "operators");
  subgraph.operators.reserve(operators.size());
  for (size_t i = 0; i < operators.size(); ++i) {
    subgraph.operators.push_back(
        read_operator(buffer, operators[i], indexed(where, "operator", i), codes));
  }
  subgraph.name = s.string(f::kName, "name");
  return subgraph;
}

OperatorCode read_operator_code(VerifiedBuffer& buffer, const uint8_t* table,
                                const std::string& where) {
  const VerifiedTable c(buffer, table, where);
  namespace f = fields::operator_code;
  const int32_t deprecated =
      c.scalar<int8_t>(f::kDeprecatedBuiltinCode, 0, "deprecated_builtin_code");
  const int32_t extended = c.scalar<int32_t>(f::kBuiltinCode, 0, "builtin_code");
  // Negative values would vanish in the max below: refuse them here.
  if (deprecated < 0) {
    throw TfliteError(where + ": deprecated_builtin_code = " + std::to_string(deprecated) +
                      " is negative");
  }
  if (extended < 0) {
    throw TfliteError(where + ": builtin_code = " + std::to_string(extended) + " is negative");
  }
  OperatorCode code;
  // The schema keeps codes below 127 in the int8 field (older files have only that one) and
  // larger ones in the int32 field, the int8 one then holding the placeholder 127.
  code.builtin_code = static_cast<BuiltinOperator>(std::max(deprecated, extended));
  code.custom_code = c.string(f::kCustomCode, "custom_code");
  code.version = c.scalar<int32_t>(f::kVersion, 1, "version");
  return code;
}

Buffer read_buffer(VerifiedBuffer& buffer, const uint8_t* table, const std::string& where) {
  const VerifiedTable b(buffer, table, where);
  namespace f = fields::buffer;
  Buffer result;
  result.data = b.scalar_vector<uint8_t>(f::kData, "data");
  const uint64_t offset = b.scalar<uint64_t>(f::kOffset, 0, "offset");
  const uint64_t size = b.scalar<uint64_t>(f::kSize, 0, "size");
  // Files over 2 GiB keep constants after the flatbuffer: offset (> 1, from the file's start)
  // and size instead of data.
  if (offset <= 1) return result;
  if (!result.data.empty()) {
    throw TfliteError(where + ": holds both data and an external offset (" +
                      std::to_string(offset) + ")");
  }
  if (offset > buffer.size() || size > buffer.size() - offset) {
    throw TfliteError(where + ": external data at offset " + std::to_string(offset) + ", size " +
                      std::to_string(size) + " runs past the end of the file (" +
                      std::to_string(buffer.size()) + " bytes)");
  }
  buffer.spend(size, where);
  result.data.assign(buffer.data() + offset, buffer.data() + offset + size);
  return result;
}

std::string identifier_text(const uint8_t* bytes) {
  std::string text;
  for (size_t i = 0; i < flatbuffers::kFileIdentifierLength; ++i) {
    const uint8_t c = bytes[i];
    if (c >= 0x20 && c < 0x7f) {
      text += static_cast<char>(c);
    } else {
      static const char kHex[] = "0123456789abcdef";
      text += std::string("\\x") + kHex[c >> 4] + kHex[c & 15];
    }
  }
  return text;
}

}  // namespace

Model read_model(const uint8_t* data, size_t size) {
  constexpr size_t kHeaderSize =
      sizeof(flatbuffers::uoffset_t) + flatbuffers::kFileIdentifierLength;
  if (size < kHeaderSize) {
    throw TfliteError("file of " + std::to_string(size) +
                      " bytes is too short for a TFLite flatbuffer");
  }
  if (!flatbuffers::BufferHasIdentifier(data, kFileIdentifier)) {
    throw TfliteError("file identifier is \"" +
                      identifier_text(data + sizeof(flatbuffers::uoffset_t)) + "\", expected \"" +
                      kFileIdentifier + "\": not a TFLite model");
  }
  VerifiedBuffer buffer(data, size);
  const VerifiedTable root(buffer, buffer.root(), "model");
  namespace f = fields::model;
  Model model;
  model.version = root.scalar<uint32_t>(f::kVersion, 0, "version");
  check_schema_version(model.version);  // before reading tables whose layout it defines
  model.description = root.string(f::kDescription, "description");
  const std::vector<const uint8_t*> codes = root.table_vector(f::kOperatorCodes, "operator_codes");
  model.operator_codes.reserve(codes.size());
  for (size_t i = 0; i < codes.size(); ++i) {
    model.operator_codes.push_back(
        read_operator_code(buffer, codes[i], "operator code " + std::to_string(i)));
  }
  const std::vector<const uint8_t*> buffers = root.table_vector(f::kBuffers, "buffers");
  model.buffers.reserve(buffers.size());
  for (size_t i = 0; i < buffers.size(); ++i) {
    model.buffers.push_back(read_buffer(buffer, buffers[i], "buffer " + std::to_string(i)));
  }
  const std::vector<const uint8_t*> subgraphs = root.table_vector(f::kSubgraphs, "subgraphs");
  model.subgraphs.reserve(subgraphs.size());
  for (size_t i = 0; i < subgraphs.size(); ++i) {
    model.subgraphs.push_back(
        read_subgraph(buffer, subgraphs[i], "subgraph " + std::to_string(i), model.operator_codes));
  }
  validate_model(model);
  return model;
}

Model read_model(const std::vector<uint8_t>& bytes) {
  return read_model(bytes.data(), bytes.size());
}

Model read_model_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw TfliteError(path + ": cannot open the file");
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                                   std::istreambuf_iterator<char>());
  if (file.bad()) throw TfliteError(path + ": read error");
  try {
    return read_model(bytes);
  } catch (const TfliteError& e) {
    throw TfliteError(path + ": " + e.what());
  }
}

}  // namespace tinynas::tflite
