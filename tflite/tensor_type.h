// TFLite tensor element types (the schema's TensorType enum) and their storage sizes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace tinynas::tflite {

enum class TensorType : int8_t {
  kFloat32 = 0,
  kFloat16 = 1,
  kInt32 = 2,
  kUint8 = 3,
  kInt64 = 4,
  kString = 5,
  kBool = 6,
  kInt16 = 7,
  kComplex64 = 8,
  kInt8 = 9,
  kFloat64 = 10,
  kComplex128 = 11,
  kUint64 = 12,
  kResource = 13,
  kVariant = 14,
  kUint32 = 15,
  kUint16 = 16,
  kInt4 = 17,
};

// False for values outside the enum (a file can hold any byte).
bool is_known_tensor_type(TensorType type);

// "INT8", "FLOAT32", ...; "TensorType(42)" for values outside the enum.
std::string tensor_type_name(TensorType type);

// Bytes of a dense constant of `elements` values; INT4 counts packed (two values a byte).
// nullopt for types without a fixed element size (STRING, RESOURCE, VARIANT) and unknown values.
std::optional<uint64_t> tensor_byte_size(TensorType type, uint64_t elements);

// The range of zero points an integer type can hold, for the quantized types (INT4, INT8,
// UINT8, INT16, UINT16); nullopt for the others.
struct IntegerRange {
  int64_t min;
  int64_t max;
};
std::optional<IntegerRange> quantized_value_range(TensorType type);

}  // namespace tinynas::tflite
