#include "tflite/tensor_type.h"

#include <array>

namespace tinynas::tflite {
namespace {

struct TypeFacts {
  const char* name;
  uint32_t bits;  // 0: no fixed element size
};

// Indexed by the enum value.
constexpr std::array<TypeFacts, 18> kTypes = {{
    {"FLOAT32", 32},
    {"FLOAT16", 16},
    {"INT32", 32},
    {"UINT8", 8},
    {"INT64", 64},
    {"STRING", 0},
    {"BOOL", 8},
    {"INT16", 16},
    {"COMPLEX64", 64},
    {"INT8", 8},
    {"FLOAT64", 64},
    {"COMPLEX128", 128},
    {"UINT64", 64},
    {"RESOURCE", 0},
    {"VARIANT", 0},
    {"UINT32", 32},
    {"UINT16", 16},
    {"INT4", 4},
}};

}  // namespace

bool is_known_tensor_type(TensorType type) {
  const int value = static_cast<int>(type);
  return value >= 0 && value < static_cast<int>(kTypes.size());
}

std::string tensor_type_name(TensorType type) {
  if (!is_known_tensor_type(type)) {
    return "TensorType(" + std::to_string(static_cast<int>(type)) + ")";
  }
  return kTypes[static_cast<size_t>(type)].name;
}

std::optional<uint64_t> tensor_byte_size(TensorType type, uint64_t elements) {
  if (!is_known_tensor_type(type)) return std::nullopt;
  const uint64_t bits = kTypes[static_cast<size_t>(type)].bits;
  if (bits == 0) return std::nullopt;
  return (elements * bits + 7) / 8;  // callers bound `elements` far below overflow
}

std::optional<IntegerRange> quantized_value_range(TensorType type) {
  switch (type) {
    case TensorType::kInt4:
      return IntegerRange{-8, 7};
    case TensorType::kInt8:
      return IntegerRange{-128, 127};
    case TensorType::kUint8:
      return IntegerRange{0, 255};
    case TensorType::kInt16:
      return IntegerRange{-32768, 32767};
    case TensorType::kUint16:
      return IntegerRange{0, 65535};
    default:
      return std::nullopt;
  }
}

}  // namespace tinynas::tflite
