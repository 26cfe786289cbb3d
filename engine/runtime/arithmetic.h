// Small int32 helpers every kernel uses (freestanding: no <algorithm>).
#pragma once

#include <stdint.h>

namespace tinynas::runtime {

inline int32_t min_i32(int32_t a, int32_t b) { return a < b ? a : b; }
inline int32_t max_i32(int32_t a, int32_t b) { return a > b ? a : b; }

inline int32_t clamp_i32(int32_t value, int32_t lo, int32_t hi) {
  return value < lo ? lo : (value > hi ? hi : value);
}

}  // namespace tinynas::runtime
