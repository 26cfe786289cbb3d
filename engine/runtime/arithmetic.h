// Small helpers every kernel uses (freestanding: no <algorithm>, no libm).
#pragma once

#include <stdint.h>

namespace tinynas::runtime {

inline int32_t min_i32(int32_t a, int32_t b) { return a < b ? a : b; }
inline int32_t max_i32(int32_t a, int32_t b) { return a > b ? a : b; }

inline int32_t clamp_i32(int32_t value, int32_t lo, int32_t hi) {
  return value < lo ? lo : (value > hi ? hi : value);
}

// std::round for float (halves away from zero, TFLite's TfLiteRound) without libm: below 2^23 the
// fraction x - trunc(x) is exact, from 2^23 on every float is an integer (NaN stays NaN).
inline float round_half_away_from_zero(float x) {
  constexpr float kTwoPow23 = 8388608.0f;
  if (!(x > -kTwoPow23 && x < kTwoPow23)) return x;
  const float truncated = static_cast<float>(static_cast<int32_t>(x));
  const float fraction = x - truncated;
  if (fraction >= 0.5f) return truncated + 1.0f;
  if (fraction <= -0.5f) return truncated - 1.0f;
  return truncated;
}

}  // namespace tinynas::runtime
