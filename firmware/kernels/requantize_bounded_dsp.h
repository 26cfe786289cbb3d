// A shorter, still bit-exact, requantization for accumulators whose magnitude is known to be
// small (requantize_dsp.h has the general one). Convolutions and fully connected layers know a
// bound per output channel before they start: |acc| <= |bias| + K * 255 * 128 (|x + offset| <=
// 255, |w| <= 128). When the channel's accumulator, shifted left by its positive shift plus one,
// still fits an int32, and its right shift e is in [1, kMaxBoundedRightShift]:
//
// - saturating_rounding_doubling_high_mul(a, M) = (a * M + 2^30) >> 31 (requantize_dsp.h) =
//   (2a * M + 2^31) >> 32, which is SMMULR of 2a and M: one instruction for the 64-bit product,
//   the nudge and the shift;
// - rounding_divide_by_pot(h, e) (ties away from zero) = (h + 2^(e-1) - (h < 0)) >> e for e >= 1,
//   and adding the output zero point z afterwards equals adding z * 2^e before the shift; both
//   go into one per-channel constant, the nudge. |h| < 2^30 and |nudge| < 2^30 for e <= 22, so the
//   sum cannot overflow.
//
// So an output costs LSL, SMMULR, ADD, SUB (of the sign bit), ASR and SSAT: 6 instructions
// instead of about 16. Channels outside these bounds keep the general path.
#pragma once

#include <stdint.h>

#include "firmware/kernels/requantize_dsp.h"
#include "firmware/kernels/simd32_dsp.h"

namespace tinynas::firmware::dsp {

inline constexpr int32_t kMaxBoundedRightShift = 22;
// |x + input offset| * |w| for int8 x and w.
inline constexpr int64_t kMaxProductMagnitude = 255 * 128;

struct BoundedRequant {
  int32_t left_shift;   // max(shift, 0) + 1: the doubling of SMMULR folded in
  int32_t multiplier;   // Q31
  int32_t nudge;        // 2^(e-1) + output_offset * 2^e
  int32_t right_shift;  // e = -shift, [1, kMaxBoundedRightShift]
};

// The largest |acc| of a channel with this bias over `depth` products.
inline int64_t accumulator_bound(int32_t bias, int32_t depth) {
  const int64_t magnitude = bias < 0 ? -static_cast<int64_t>(bias) : bias;
  return magnitude + static_cast<int64_t>(depth) * kMaxProductMagnitude;
}

// The channel's constants, or false when its accumulators or shift leave the bounded path.
inline bool make_bounded_requant(int32_t multiplier, int32_t shift, int32_t output_offset,
                                 int64_t acc_bound, BoundedRequant& out) {
  const int32_t left = shift > 0 ? shift : 0;
  const int32_t right = shift > 0 ? 0 : -shift;
  if (right < 1 || right > kMaxBoundedRightShift) return false;
  if (acc_bound > (int64_t{INT32_MAX} >> (left + 1))) return false;  // 2|acc| << left fits
  out.left_shift = left + 1;
  out.multiplier = multiplier;
  out.nudge = (int32_t{1} << (right - 1)) + output_offset * (int32_t{1} << right);
  out.right_shift = right;
  return true;
}

inline int32_t smmulr(int32_t a, int32_t b) {
  int32_t result;
  __asm__("smmulr %0, %1, %2" : "=r"(result) : "r"(a), "r"(b));
  return result;
}

// scale_to_int8(acc, q, output_offset) of requantize_dsp.h, bit for bit, for a bounded channel.
inline int32_t bounded_scale_to_int8(int32_t acc, const BoundedRequant& q) {
  const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(acc) << q.left_shift);
  const int32_t high = smmulr(shifted, q.multiplier);
  const int32_t rounded = high + q.nudge - static_cast<int32_t>(static_cast<uint32_t>(high) >> 31);
  return __ssat(rounded >> q.right_shift, 8);
}

}  // namespace tinynas::firmware::dsp
