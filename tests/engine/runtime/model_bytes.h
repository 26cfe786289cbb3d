// Test helpers for editing a written .tnm file in place: field addresses, little-endian stores,
// the CRC fix-up that lets a test reach the check behind it, and validation with a readable error.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "engine/runtime/crc32.h"
#include "engine/runtime/model_format.h"
#include "engine/runtime/model_reader.h"

namespace tinynas::runtime::testing {

using Bytes = std::vector<uint8_t>;

inline uint32_t tensor_field(uint16_t tensor, uint32_t field) {
  return kHeaderSize + uint32_t{tensor} * kTensorRecordSize + field;
}
inline uint32_t op_field(const Bytes& b, uint16_t op, uint32_t field) {
  return load_u32(b.data() + header::kOpTableOffset) + uint32_t{op} * kOpRecordSize + field;
}
inline uint32_t pool_offset(const Bytes& b) {
  return load_u32(b.data() + header::kConstantsOffset);
}

inline void put_u16(Bytes& b, uint32_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v);
  b[at + 1] = static_cast<uint8_t>(v >> 8);
}
inline void put_u32(Bytes& b, uint32_t at, uint32_t v) {
  put_u16(b, at, static_cast<uint16_t>(v));
  put_u16(b, at + 2, static_cast<uint16_t>(v >> 16));
}
inline void put_f32(Bytes& b, uint32_t at, float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  put_u32(b, at, bits);
}
inline void fix_crc(Bytes& b) {
  put_u32(b, header::kCrc32, crc32(b.data() + kHeaderSize, b.size() - kHeaderSize));
}

inline ValidationError validate(const Bytes& b) {
  ValidationError error;
  validate_model(b.data(), static_cast<uint32_t>(b.size()), nullptr, &error);
  return error;
}

inline std::string describe(const ValidationError& e) {
  char text[96];
  format_validation_error(e, text, sizeof(text));
  return text;
}

}  // namespace tinynas::runtime::testing
