// TFLite-compatible fixed-point requantization (gemmlowp arithmetic). Every kernel uses these
// and nothing else to scale an int32 accumulator back to int8, so results are bit-exact with
// TFLite Micro / CMSIS-NN reference kernels.
// Reference: Jacob et al., "Quantization and Training of Neural Networks for Efficient
// Integer-Arithmetic-Only Inference", CVPR 2018, section 2.2.
#pragma once

#include <stdint.h>

#include "engine/runtime/arithmetic.h"  // clamp_i32 for the kernels' final clamp

namespace tinynas::runtime {

// round(a * b / 2^31) with ties rounded upwards (gemmlowp), saturating the single overflow case
// a == b == INT32_MIN.
inline int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == b && a == INT32_MIN) return INT32_MAX;
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int64_t nudge = ab >= 0 ? (1ll << 30) : (1 - (1ll << 30));
  return static_cast<int32_t>((ab + nudge) / (1ll << 31));
}

// x / 2^exponent rounded to nearest, ties away from zero. exponent in [0, 31].
inline int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((1ll << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// x * multiplier * 2^shift with multiplier a Q31 value in [2^30, 2^31) (or 0) and shift in
// [-31, 30]: positive shifts are applied before the high multiply, negative ones after.
inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift);
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, multiplier),
                                right_shift);
}

}  // namespace tinynas::runtime
