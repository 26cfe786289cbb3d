// A TFLite model in memory: plain structs mirroring the parts of the flatbuffer schema (version
// 3) that an int8 CNN uses. read_model fills them from a file and validate_model checks them;
// write_model turns them back into a file. Signature defs, metadata, sparsity and the
// quantization tables' min/max are not kept.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tflite/builtin_operator.h"
#include "tflite/builtin_options.h"
#include "tflite/tensor_type.h"

namespace tinynas::tflite {

inline constexpr uint32_t kSchemaVersion = 3;
inline constexpr char kFileIdentifier[] = "TFL3";

// real = scale * (q - zero_point). One scale and zero point for the whole tensor, or one per
// index along `quantized_dimension` (per-channel weights). Both empty: not quantized.
struct Quantization {
  std::vector<float> scales;
  std::vector<int64_t> zero_points;
  int32_t quantized_dimension = 0;

  bool empty() const { return scales.empty() && zero_points.empty(); }
};

struct Tensor {
  std::string name;
  TensorType type = TensorType::kFloat32;
  std::vector<int32_t> shape;            // NHWC for activations; empty for a scalar
  std::vector<int32_t> shape_signature;  // -1 where the size is dynamic; empty: same as shape
  // Index into Model::buffers. 0 (the empty sentinel buffer) for activations and inputs; a
  // tensor whose buffer holds bytes is a constant.
  uint32_t buffer = 0;
  Quantization quantization;
  bool is_variable = false;
};

struct Operator {
  uint32_t opcode_index = 0;     // into Model::operator_codes
  std::vector<int32_t> inputs;   // tensor indices; -1 for an omitted optional input
  std::vector<int32_t> outputs;  // tensor indices
  BuiltinOptions options;
  std::vector<uint8_t> custom_options;  // custom ops' options, uninterpreted
};

struct SubGraph {
  std::vector<Tensor> tensors;
  std::vector<int32_t> inputs;      // tensor indices fed by the caller
  std::vector<int32_t> outputs;     // tensor indices returned to the caller
  std::vector<Operator> operators;  // in execution order
  std::string name;
};

struct OperatorCode {
  // The larger of the file's `deprecated_builtin_code` (int8) and `builtin_code` (int32) fields,
  // as the schema prescribes; any value, named or not.
  BuiltinOperator builtin_code = BuiltinOperator::kAdd;
  std::string custom_code;  // for BuiltinOperator::kCustom
  int32_t version = 1;
};

struct Buffer {
  // The bytes of a constant, little-endian, row-major. Data that a large file keeps outside the
  // flatbuffer (offset/size fields) is read into here too.
  std::vector<uint8_t> data;
};

struct Model {
  uint32_t version = kSchemaVersion;
  std::string description;
  std::vector<OperatorCode> operator_codes;
  std::vector<SubGraph> subgraphs;  // subgraphs[0] is the main graph
  std::vector<Buffer> buffers;      // buffers[0] is the empty sentinel
};

// The operator's code entry (the operator's opcode_index must be valid: validate first).
const OperatorCode& operator_code(const Model& model, const Operator& op);

bool operator==(const Quantization& a, const Quantization& b);
bool operator==(const Tensor& a, const Tensor& b);
bool operator==(const Operator& a, const Operator& b);
bool operator==(const SubGraph& a, const SubGraph& b);
bool operator==(const OperatorCode& a, const OperatorCode& b);
bool operator==(const Buffer& a, const Buffer& b);
bool operator==(const Model& a, const Model& b);

}  // namespace tinynas::tflite
