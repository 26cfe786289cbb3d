#include "tflite/model.h"

#include <tuple>

namespace tinynas::tflite {

const OperatorCode& operator_code(const Model& model, const Operator& op) {
  return model.operator_codes.at(op.opcode_index);
}

bool operator==(const Quantization& a, const Quantization& b) {
  return std::tie(a.scales, a.zero_points, a.quantized_dimension) ==
         std::tie(b.scales, b.zero_points, b.quantized_dimension);
}

bool operator==(const Tensor& a, const Tensor& b) {
  return std::tie(a.name, a.type, a.shape, a.shape_signature, a.buffer, a.quantization,
                  a.is_variable) == std::tie(b.name, b.type, b.shape, b.shape_signature, b.buffer,
                                             b.quantization, b.is_variable);
}

bool operator==(const Operator& a, const Operator& b) {
  return std::tie(a.opcode_index, a.inputs, a.outputs, a.options, a.custom_options) ==
         std::tie(b.opcode_index, b.inputs, b.outputs, b.options, b.custom_options);
}

bool operator==(const SubGraph& a, const SubGraph& b) {
  return std::tie(a.tensors, a.inputs, a.outputs, a.operators, a.name) ==
         std::tie(b.tensors, b.inputs, b.outputs, b.operators, b.name);
}

bool operator==(const OperatorCode& a, const OperatorCode& b) {
  return std::tie(a.builtin_code, a.custom_code, a.version) ==
         std::tie(b.builtin_code, b.custom_code, b.version);
}

bool operator==(const Buffer& a, const Buffer& b) { return a.data == b.data; }

bool operator==(const Model& a, const Model& b) {
  return std::tie(a.version, a.description, a.operator_codes, a.subgraphs, a.buffers) ==
         std::tie(b.version, b.description, b.operator_codes, b.subgraphs, b.buffers);
}

}  // namespace tinynas::tflite
