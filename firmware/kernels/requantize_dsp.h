// Requantization for the *_dsp kernels: the same numbers as engine/runtime/requantize.h, with
// everything that depends only on the channel computed once per layer (or channel block) and a
// cheaper, still bit-exact, evaluation per output:
//
// - saturating_rounding_doubling_high_mul(a, b) = (a * b + 2^30) >> 31 (arithmetic shift, i.e.
//   floor) for every a and every b >= 0: for a*b >= 0 the gemmlowp nudge is 2^30 and truncation
//   is floor; for a*b < 0 the nudge is 1 - 2^30 and truncating (a*b + 1 - 2^30) / 2^31 towards
//   zero equals floor((a*b + 1 - 2^30 + 2^31 - 1) / 2^31) = floor((a*b + 2^30) / 2^31). The one
//   saturating case (a == b == INT32_MIN) needs b < 0, which the model validator rules out
//   (multipliers are in [0, 2^31)). One SMULL plus a 64-bit add and shift, no branches.
// - rounding_divide_by_pot(x, e) = (x >> e) + (remainder > threshold) with the channel's mask
//   and half-mask precomputed; the comparison is the sign bit of threshold - remainder (both in
//   [0, 2^e], so the difference cannot overflow), again without a branch.
// - the clamp to [activation_min, activation_max] happens on four int8 lanes at once: every value
//   is first saturated to int8 (SSAT #8, exact because the activation range lies inside
//   [-128, 127]), four are packed into a word and clamped with SSUB8/SEL.
// The validator bounds requantized values to INT32_MAX - 128, so adding the output zero point
// never overflows (same as the plain kernels).
#pragma once

#include <stdint.h>

#include "engine/runtime/kernels.h"
#include "firmware/kernels/simd32_dsp.h"

namespace tinynas::firmware::dsp {

inline constexpr int64_t kDoublingHighMulNudge = int64_t{1} << 30;
inline constexpr int kDoublingHighMulShift = 31;

// Per-channel constants of multiply_by_quantized_multiplier.
struct ChannelRequant {
  int32_t multiplier;   // Q31, [0, 2^31)
  int32_t left_shift;   // max(shift, 0)
  int32_t right_shift;  // max(-shift, 0)
  int32_t mask;         // 2^right_shift - 1
  int32_t half;         // mask >> 1: the rounding threshold for non-negative values
};

inline ChannelRequant make_channel_requant(int32_t multiplier, int32_t shift) {
  ChannelRequant q;
  q.multiplier = multiplier;
  q.left_shift = shift > 0 ? shift : 0;
  q.right_shift = shift > 0 ? 0 : -shift;
  q.mask = static_cast<int32_t>((int64_t{1} << q.right_shift) - 1);
  q.half = q.mask >> 1;
  return q;
}

inline ChannelRequant channel_requant(const runtime::PerChannelQuantization& quant,
                                      int32_t channel) {
  return make_channel_requant(quant.multiplier[channel], quant.shift[channel]);
}

// multiply_by_quantized_multiplier(acc, q.multiplier, shift), bit for bit.
inline int32_t scale(int32_t acc, const ChannelRequant& q) {
  const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(acc) << q.left_shift);
  const int64_t product = static_cast<int64_t>(shifted) * q.multiplier + kDoublingHighMulNudge;
  const int32_t high = static_cast<int32_t>(product >> kDoublingHighMulShift);
  const int32_t remainder = high & q.mask;
  const int32_t threshold = q.half + static_cast<int32_t>(static_cast<uint32_t>(high) >> 31);
  const uint32_t round_up = static_cast<uint32_t>(threshold - remainder) >> 31;
  return (high >> q.right_shift) + static_cast<int32_t>(round_up);
}

// scale() plus the output zero point, saturated to int8 (the low byte is the int8 value).
inline int32_t scale_to_int8(int32_t acc, const ChannelRequant& q, int32_t output_offset) {
  return __ssat(scale(acc, q) + output_offset, 8);
}

// The activation range replicated into the four byte lanes of a word.
struct ActivationRange4 {
  uint32_t lo;
  uint32_t hi;
};

inline ActivationRange4 activation_range4(const runtime::ConvParams& params) {
  const uint32_t lo = static_cast<uint32_t>(params.activation_min) & 0xFFu;
  const uint32_t hi = static_cast<uint32_t>(params.activation_max) & 0xFFu;
  constexpr uint32_t kAllLanes = 0x01010101u;
  return ActivationRange4{lo * kAllLanes, hi * kAllLanes};
}

// Four int8 values (in the low bytes of b0..b3) as one word, b0 in the lowest byte.
inline uint32_t pack_int8x4(int32_t b0, int32_t b1, int32_t b2, int32_t b3) {
  uint32_t word = static_cast<uint32_t>(b0);
  __asm__(
      "bfi %0, %1, #8, #8\n\t"
      "bfi %0, %2, #16, #8\n\t"
      "bfi %0, %3, #24, #8"
      : "+r"(word)
      : "r"(b1), "r"(b2), "r"(b3));
  return word;
}

// Per byte lane: min(max(v, lo), hi), signed. SSUB8 sets the GE flag of each lane where the
// first operand is >= the second, SEL picks per lane by GE; one asm block keeps the flag
// dependency away from the compiler.
inline uint32_t clamp_int8x4(uint32_t value, const ActivationRange4& range) {
  uint32_t difference;
  __asm__(
      "ssub8 %1, %0, %2\n\t"
      "sel %0, %0, %2\n\t"
      "ssub8 %1, %0, %3\n\t"
      "sel %0, %3, %0"
      : "+r"(value), "=&r"(difference)
      : "r"(range.lo), "r"(range.hi)
      : "cc");
  return value;
}

// One output value the scalar way (remainders).
inline int8_t requantize_one(int32_t acc, const ChannelRequant& q,
                             const runtime::ConvParams& params) {
  const int32_t value = scale(acc, q) + params.output_offset;
  const int32_t low = value < params.activation_min ? params.activation_min : value;
  return static_cast<int8_t>(low > params.activation_max ? params.activation_max : low);
}

}  // namespace tinynas::firmware::dsp
