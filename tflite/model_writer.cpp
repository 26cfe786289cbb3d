#include "tflite/model_writer.h"

#include <flatbuffers/flatbuffers.h>

#include <fstream>

#include "tflite/model_validation.h"
#include "tflite/schema_fields.h"
#include "tflite/tflite_error.h"

namespace tinynas::tflite {
namespace {

namespace fields = schema;
using schema::OptionsType;
using TableOffset = flatbuffers::Offset<flatbuffers::Table>;

template <typename Enum>
int8_t byte_of(Enum value) {
  return static_cast<int8_t>(value);
}

// An upper bound of the serialized size: contents plus generous per-table and per-vector
// overheads (vtable, offsets, alignment).
uint64_t serialized_size_bound(const Model& model) {
  constexpr uint64_t kTable = 128;
  constexpr uint64_t kVector = 32;
  uint64_t bound = kTable + model.description.size() + kVector;
  for (const Buffer& buffer : model.buffers) bound += kTable + kVector + buffer.data.size();
  for (const OperatorCode& code : model.operator_codes) {
    bound += kTable + kVector + code.custom_code.size();
  }
  for (const SubGraph& subgraph : model.subgraphs) {
    bound += kTable + 3 * kVector + subgraph.name.size() +
             4 * (subgraph.inputs.size() + subgraph.outputs.size());
    for (const Tensor& t : subgraph.tensors) {
      bound += 2 * kTable + 5 * kVector + t.name.size() +
               4 * (t.shape.size() + t.shape_signature.size() + t.quantization.scales.size()) +
               8 * t.quantization.zero_points.size();
    }
    for (const Operator& op : subgraph.operators) {
      bound += 2 * kTable + 4 * kVector + 4 * (op.inputs.size() + op.outputs.size()) +
               op.custom_options.size();
      if (const auto* reshape = std::get_if<ReshapeOptions>(&op.options)) {
        bound += 4 * reshape->new_shape.size();
      }
      if (const auto* squeeze = std::get_if<SqueezeOptions>(&op.options)) {
        bound += 4 * squeeze->squeeze_dims.size();
      }
    }
  }
  return bound;
}

class Serializer {
 public:
  std::vector<uint8_t> serialize(const Model& model) {
    std::vector<TableOffset> buffers;
    for (const Buffer& buffer : model.buffers) buffers.push_back(write_buffer(buffer));
    const auto buffer_vector = fbb_.CreateVector(buffers);
    std::vector<TableOffset> codes;
    for (const OperatorCode& code : model.operator_codes) codes.push_back(write_code(code));
    const auto code_vector = fbb_.CreateVector(codes);
    std::vector<TableOffset> subgraphs;
    for (size_t s = 0; s < model.subgraphs.size(); ++s) {
      subgraphs.push_back(write_subgraph(model.subgraphs[s], s, model));
    }
    const auto subgraph_vector = fbb_.CreateVector(subgraphs);
    const auto description = fbb_.CreateString(model.description);

    namespace f = fields::model;
    const auto start = fbb_.StartTable();
    fbb_.AddElement<uint32_t>(f::kVersion, model.version, 0);
    fbb_.AddOffset(f::kOperatorCodes, code_vector);
    fbb_.AddOffset(f::kSubgraphs, subgraph_vector);
    fbb_.AddOffset(f::kDescription, description);
    fbb_.AddOffset(f::kBuffers, buffer_vector);
    fbb_.Finish(TableOffset(fbb_.EndTable(start)), kFileIdentifier);
    return std::vector<uint8_t>(fbb_.GetBufferPointer(), fbb_.GetBufferPointer() + fbb_.GetSize());
  }

 private:
  template <typename T>
  flatbuffers::Offset<flatbuffers::Vector<T>> vector(const std::vector<T>& values) {
    return fbb_.CreateVector(values);
  }

  TableOffset write_buffer(const Buffer& buffer) {
    namespace f = fields::buffer;
    flatbuffers::Offset<flatbuffers::Vector<uint8_t>> data;
    if (!buffer.data.empty()) {
      fbb_.ForceVectorAlignment(buffer.data.size(), 1, f::kDataAlignment);
      data = vector(buffer.data);
    }
    const auto start = fbb_.StartTable();
    if (!buffer.data.empty()) fbb_.AddOffset(f::kData, data);
    return TableOffset(fbb_.EndTable(start));
  }

  TableOffset write_code(const OperatorCode& code) {
    namespace f = fields::operator_code;
    flatbuffers::Offset<flatbuffers::String> custom;
    if (!code.custom_code.empty()) custom = fbb_.CreateString(code.custom_code);
    const int32_t value = static_cast<int32_t>(code.builtin_code);
    const int32_t placeholder =
        static_cast<int32_t>(BuiltinOperator::kPlaceholderForGreaterOpCodes);
    const auto start = fbb_.StartTable();
    // Both fields, so that readers of either generation see the code.
    fbb_.AddElement<int8_t>(f::kDeprecatedBuiltinCode,
                            static_cast<int8_t>(value < placeholder ? value : placeholder), 0);
    if (!code.custom_code.empty()) fbb_.AddOffset(f::kCustomCode, custom);
    fbb_.AddElement<int32_t>(f::kVersion, code.version, 1);
    fbb_.AddElement<int32_t>(f::kBuiltinCode, value, 0);
    return TableOffset(fbb_.EndTable(start));
  }

  TableOffset write_quantization(const Quantization& q) {
    namespace f = fields::quantization;
    const auto scales = vector(q.scales);
    const auto zero_points = vector(q.zero_points);
    const auto start = fbb_.StartTable();
    fbb_.AddOffset(f::kScale, scales);
    fbb_.AddOffset(f::kZeroPoint, zero_points);
    fbb_.AddElement<int32_t>(f::kQuantizedDimension, q.quantized_dimension, 0);
    return TableOffset(fbb_.EndTable(start));
  }

  TableOffset write_tensor(const Tensor& tensor) {
    namespace f = fields::tensor;
    const auto shape = vector(tensor.shape);
    const auto name = fbb_.CreateString(tensor.name);
    TableOffset quantization;
    if (!tensor.quantization.empty()) quantization = write_quantization(tensor.quantization);
    flatbuffers::Offset<flatbuffers::Vector<int32_t>> signature;
    if (!tensor.shape_signature.empty()) signature = vector(tensor.shape_signature);
    const auto start = fbb_.StartTable();
    fbb_.AddOffset(f::kShape, shape);
    fbb_.AddElement<int8_t>(f::kType, byte_of(tensor.type), 0);
    fbb_.AddElement<uint32_t>(f::kBuffer, tensor.buffer, 0);
    fbb_.AddOffset(f::kName, name);
    if (!tensor.quantization.empty()) fbb_.AddOffset(f::kQuantization, quantization);
    fbb_.AddElement<uint8_t>(f::kIsVariable, tensor.is_variable ? 1 : 0, 0);
    if (!tensor.shape_signature.empty()) fbb_.AddOffset(f::kShapeSignature, signature);
    return TableOffset(fbb_.EndTable(start));
  }

  // One options table per alternative; returns the union type and the table.
  struct OptionsWriter {
    flatbuffers::FlatBufferBuilder& fbb;
    const std::string& where;

    using Written = std::pair<OptionsType, TableOffset>;

    Written operator()(const NoOptions&) const { return {OptionsType::kNone, TableOffset()}; }
    Written operator()(const UndecodedOptions& o) const {
      throw TfliteError(where + ": its builtin options (type " + std::to_string(o.type) +
                        ") were not decoded and cannot be written");
    }
    Written operator()(const Conv2DOptions& o) const {
      namespace f = fields::conv2d;
      const auto start = fbb.StartTable();
      fbb.AddElement<int8_t>(f::kPadding, byte_of(o.padding), 0);
      fbb.AddElement<int32_t>(f::kStrideW, o.stride_w, 0);
      fbb.AddElement<int32_t>(f::kStrideH, o.stride_h, 0);
      fbb.AddElement<int8_t>(f::kActivation, byte_of(o.activation), 0);
      fbb.AddElement<int32_t>(f::kDilationW, o.dilation_w_factor, 1);
      fbb.AddElement<int32_t>(f::kDilationH, o.dilation_h_factor, 1);
      fbb.AddElement<int8_t>(f::kQuantizedBiasType, byte_of(o.quantized_bias_type), 0);
      return {OptionsType::kConv2D, TableOffset(fbb.EndTable(start))};
    }
    Written operator()(const DepthwiseConv2DOptions& o) const {
      namespace f = fields::depthwise_conv2d;
      const auto start = fbb.StartTable();
      fbb.AddElement<int8_t>(f::kPadding, byte_of(o.padding), 0);
      fbb.AddElement<int32_t>(f::kStrideW, o.stride_w, 0);
      fbb.AddElement<int32_t>(f::kStrideH, o.stride_h, 0);
      fbb.AddElement<int32_t>(f::kDepthMultiplier, o.depth_multiplier, 0);
      fbb.AddElement<int8_t>(f::kActivation, byte_of(o.activation), 0);
      fbb.AddElement<int32_t>(f::kDilationW, o.dilation_w_factor, 1);
      fbb.AddElement<int32_t>(f::kDilationH, o.dilation_h_factor, 1);
      return {OptionsType::kDepthwiseConv2D, TableOffset(fbb.EndTable(start))};
    }
    Written operator()(const Pool2DOptions& o) const {
      namespace f = fields::pool2d;
      const auto start = fbb.StartTable();
      fbb.AddElement<int8_t>(f::kPadding, byte_of(o.padding), 0);
      fbb.AddElement<int32_t>(f::kStrideW, o.stride_w, 0);
      fbb.AddElement<int32_t>(f::kStrideH, o.stride_h, 0);
      fbb.AddElement<int32_t>(f::kFilterWidth, o.filter_width, 0);
      fbb.AddElement<int32_t>(f::kFilterHeight, o.filter_height, 0);
      fbb.AddElement<int8_t>(f::kActivation, byte_of(o.activation), 0);
      return {OptionsType::kPool2D, TableOffset(fbb.EndTable(start))};
    }
    Written operator()(const FullyConnectedOptions& o) const {
      namespace f = fields::fully_connected;
      const auto start = fbb.StartTable();
      fbb.AddElement<int8_t>(f::kActivation, byte_of(o.activation), 0);
      fbb.AddElement<int8_t>(f::kWeightsFormat, byte_of(o.weights_format), 0);
      fbb.AddElement<uint8_t>(f::kKeepNumDims, o.keep_num_dims ? 1 : 0, 0);
      fbb.AddElement<uint8_t>(f::kAsymmetricQuantizeInputs, o.asymmetric_quantize_inputs ? 1 : 0,
                              0);
      fbb.AddElement<int8_t>(f::kQuantizedBiasType, byte_of(o.quantized_bias_type), 0);
      return {OptionsType::kFullyConnected, TableOffset(fbb.EndTable(start))};
    }
    Written operator()(const SoftmaxOptions& o) const {
      const auto start = fbb.StartTable();
      fbb.AddElement<float>(fields::softmax::kBeta, o.beta, 0.0f);
      return {OptionsType::kSoftmax, TableOffset(fbb.EndTable(start))};
    }
    Written operator()(const ConcatenationOptions& o) const {
      namespace f = fields::concatenation;
      const auto start = fbb.StartTable();
      fbb.AddElement<int32_t>(f::kAxis, o.axis, 0);
      fbb.AddElement<int8_t>(f::kActivation, byte_of(o.activation), 0);
      return {OptionsType::kConcatenation, TableOffset(fbb.EndTable(start))};
    }
    Written operator()(const AddOptions& o) const {
      namespace f = fields::add;
      const auto start = fbb.StartTable();
      fbb.AddElement<int8_t>(f::kActivation, byte_of(o.activation), 0);
      fbb.AddElement<uint8_t>(f::kPotScaleInt16, o.pot_scale_int16 ? 1 : 0, 1);
      return {OptionsType::kAdd, TableOffset(fbb.EndTable(start))};
    }
    Written operator()(const ReshapeOptions& o) const {
      return {OptionsType::kReshape, int_vector_table(fields::reshape::kNewShape, o.new_shape)};
    }
    Written operator()(const ReducerOptions& o) const {
      const auto start = fbb.StartTable();
      fbb.AddElement<uint8_t>(fields::reducer::kKeepDims, o.keep_dims ? 1 : 0, 0);
      return {OptionsType::kReducer, TableOffset(fbb.EndTable(start))};
    }
    Written operator()(const SqueezeOptions& o) const {
      return {OptionsType::kSqueeze,
              int_vector_table(fields::squeeze::kSqueezeDims, o.squeeze_dims)};
    }
    Written operator()(const PadOptions&) const { return {OptionsType::kPad, empty_table()}; }
    Written operator()(const QuantizeOptions&) const {
      return {OptionsType::kQuantize, empty_table()};
    }
    Written operator()(const DequantizeOptions&) const {
      return {OptionsType::kDequantize, empty_table()};
    }

    TableOffset empty_table() const { return TableOffset(fbb.EndTable(fbb.StartTable())); }

    // A table whose one field is a vector of int32, left out when empty.
    TableOffset int_vector_table(flatbuffers::voffset_t field,
                                 const std::vector<int32_t>& values) const {
      flatbuffers::Offset<flatbuffers::Vector<int32_t>> vector;
      if (!values.empty()) vector = fbb.CreateVector(values);
      const auto start = fbb.StartTable();
      if (!values.empty()) fbb.AddOffset(field, vector);
      return TableOffset(fbb.EndTable(start));
    }
  };

  TableOffset write_operator(const Operator& op, const std::string& where) {
    namespace f = fields::op;
    const auto inputs = vector(op.inputs);
    const auto outputs = vector(op.outputs);
    const auto [options_type, options] = std::visit(OptionsWriter{fbb_, where}, op.options);
    flatbuffers::Offset<flatbuffers::Vector<uint8_t>> custom;
    if (!op.custom_options.empty()) custom = vector(op.custom_options);
    const auto start = fbb_.StartTable();
    fbb_.AddElement<uint32_t>(f::kOpcodeIndex, op.opcode_index, 0);
    fbb_.AddOffset(f::kInputs, inputs);
    fbb_.AddOffset(f::kOutputs, outputs);
    fbb_.AddElement<uint8_t>(f::kBuiltinOptionsType, static_cast<uint8_t>(options_type), 0);
    if (options_type != OptionsType::kNone) fbb_.AddOffset(f::kBuiltinOptions, options);
    if (!op.custom_options.empty()) fbb_.AddOffset(f::kCustomOptions, custom);
    return TableOffset(fbb_.EndTable(start));
  }

  TableOffset write_subgraph(const SubGraph& subgraph, size_t index, const Model& model) {
    namespace f = fields::subgraph;
    std::vector<TableOffset> tensors;
    for (const Tensor& tensor : subgraph.tensors) tensors.push_back(write_tensor(tensor));
    const auto tensor_vector = fbb_.CreateVector(tensors);
    const auto inputs = vector(subgraph.inputs);
    const auto outputs = vector(subgraph.outputs);
    std::vector<TableOffset> operators;
    for (size_t o = 0; o < subgraph.operators.size(); ++o) {
      const Operator& op = subgraph.operators[o];
      std::string where = "subgraph " + std::to_string(index) + " operator " + std::to_string(o);
      if (op.opcode_index < model.operator_codes.size()) {
        where +=
            " (" + builtin_operator_name(model.operator_codes[op.opcode_index].builtin_code) + ")";
      }
      operators.push_back(write_operator(op, where));
    }
    const auto operator_vector = fbb_.CreateVector(operators);
    const auto name = fbb_.CreateString(subgraph.name);
    const auto start = fbb_.StartTable();
    fbb_.AddOffset(f::kTensors, tensor_vector);
    fbb_.AddOffset(f::kInputs, inputs);
    fbb_.AddOffset(f::kOutputs, outputs);
    fbb_.AddOffset(f::kOperators, operator_vector);
    fbb_.AddOffset(f::kName, name);
    return TableOffset(fbb_.EndTable(start));
  }

  flatbuffers::FlatBufferBuilder fbb_{4096};
};

}  // namespace

std::vector<uint8_t> serialize_model_unvalidated(const Model& model) {
  const uint64_t bound = serialized_size_bound(model);
  if (bound >= FLATBUFFERS_MAX_BUFFER_SIZE) {
    throw TfliteError("model: needs up to " + std::to_string(bound) +
                      " bytes; files over 2 GiB (constants outside the flatbuffer) are not "
                      "written");
  }
  return Serializer().serialize(model);
}

std::vector<uint8_t> write_model(const Model& model) {
  validate_model(model);
  return serialize_model_unvalidated(model);
}

void write_model_file(const std::string& path, const Model& model) {
  std::vector<uint8_t> bytes;
  try {
    bytes = write_model(model);
  } catch (const TfliteError& e) {
    throw TfliteError(path + ": " + e.what());
  }
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  if (!file) throw TfliteError(path + ": cannot write the file");
}

}  // namespace tinynas::tflite
