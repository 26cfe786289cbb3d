// What the *_mve kernels (Helium) share: requantization of four int32 accumulators at once (4 x
// 32-bit lanes), the numbers of engine/runtime/requantize.h bit for bit, and the vector helpers
// around it (weight rows, tail-predicated loads, lanes from scalars, weight sums).
//
// - The left shift is VSHL by a lane's max(shift, 0): a plain (wrapping) shift, as the runtime's
//   shift of the uint32 value.
// - saturating_rounding_doubling_high_mul is VQRDMULH: (2ab + 2^31) >> 32 = floor((ab + 2^30) /
//   2^31). For ab >= 0 that is gemmlowp's nudge and truncation; for ab < 0 gemmlowp truncates
//   (ab + 1 - 2^30) / 2^31 towards zero, and with ab = q 2^31 + r (0 <= r < 2^31) both give q + 1
//   exactly when r >= 2^30. VQRDMULH saturates the one overflow case (INT32_MIN * INT32_MIN) to
//   INT32_MAX, as gemmlowp does.
// - rounding_divide_by_pot (ties away from zero) is VRSHL by -e (ties upwards) on x - 1 when x is
//   negative and e > 0: for x < 0 gemmlowp adds one exactly when the remainder is above 2^(e-1),
//   i.e. floor((x - 1 + 2^(e-1)) / 2^e). The -1 is a saturating add of the sign of (x AND -e),
//   which is -1 only for x < 0 and e > 0; INT32_MIN stays INT32_MIN and still rounds right
//   (2^e divides it).
// - the output zero point is added without overflow (the validator bounds requantized values to
//   INT32_MAX - 128) and the activation clamp is VMAX/VMIN.
#pragma once

#include <arm_mve.h>
#include <stdint.h>

#include "engine/runtime/kernels.h"

namespace tinynas::firmware::mve {

inline constexpr int32_t kWordLanes = 4;   // int32 lanes of a vector
inline constexpr int32_t kByteLanes = 16;  // int8 lanes of a vector

// Four channels' requantization constants (lanes past the layer's channels are zero).
struct Requant4 {
  int32x4_t multiplier;
  int32x4_t left_shift;   // max(shift, 0)
  int32x4_t right_shift;  // min(shift, 0): VRSHL by a negative amount shifts right
};

inline Requant4 make_requant4(int32x4_t multiplier, int32x4_t shift) {
  const int32x4_t zero = vdupq_n_s32(0);
  return Requant4{multiplier, vmaxq_s32(shift, zero), vminq_s32(shift, zero)};
}

// Channels [channel, channel + 4) of `quant`; `lanes` predicates the channels that exist.
inline Requant4 load_requant4(const runtime::PerChannelQuantization& quant, int32_t channel,
                              mve_pred16_t lanes) {
  return make_requant4(vldrwq_z_s32(quant.multiplier + channel, lanes),
                       vldrwq_z_s32(quant.shift + channel, lanes));
}

// The activation clamp and output zero point, splatted once per layer.
struct OutputRange4 {
  int32_t offset;
  int32x4_t min;
  int32x4_t max;
};

inline OutputRange4 output_range4(const runtime::ConvParams& params) {
  return OutputRange4{params.output_offset, vdupq_n_s32(params.activation_min),
                      vdupq_n_s32(params.activation_max)};
}

// clamp(output_offset + multiply_by_quantized_multiplier(acc, m, shift)) per lane.
inline int32x4_t requantize4(int32x4_t acc, const Requant4& q, const OutputRange4& range) {
  int32x4_t x = vshlq_s32(acc, q.left_shift);
  x = vqrdmulhq_s32(x, q.multiplier);
  const int32x4_t negative_fixup = vshrq_n_s32(vandq_s32(x, q.right_shift), 31);
  x = vrshlq_s32(vqaddq_s32(x, negative_fixup), q.right_shift);
  x = vaddq_n_s32(x, range.offset);
  return vminq_s32(vmaxq_s32(x, range.min), range.max);
}

// Four weight rows of a matrix product (pointwise, fully connected), read 16 bytes at a time.
struct WeightRows {
  const int8_t* r0;
  const int8_t* r1;
  const int8_t* r2;
  const int8_t* r3;
};

// 16 bytes at p; kTail: only the lanes of `tail`, the others zero (nothing read past them).
template <bool kTail>
inline int8x16_t load_bytes(const int8_t* p, mve_pred16_t tail) {
  return kTail ? vldrbq_z_s8(p, tail) : vldrbq_s8(p);
}

// Four int32 scalars as the lanes of a vector.
inline int32x4_t lanes4(int32_t a0, int32_t a1, int32_t a2, int32_t a3) {
  int32x4_t v = vdupq_n_s32(a0);
  v = vsetq_lane_s32(a1, v, 1);
  v = vsetq_lane_s32(a2, v, 2);
  return vsetq_lane_s32(a3, v, 3);
}

// sum(w[0..depth)) over 16 lanes at a time (the tail predicated).
inline int32_t row_sum(const int8_t* w, int32_t depth) {
  int32_t sum = 0;
  int32_t k = 0;
  for (; k + kByteLanes <= depth; k += kByteLanes) sum = vaddvaq_s8(sum, vldrbq_s8(w + k));
  if (k < depth) sum = vaddvaq_s8(sum, vldrbq_z_s8(w + k, vctp8q(depth - k)));
  return sum;
}

// bias + input_offset * sum(w), wrapping like the accumulation it starts (the final sum is in
// range: the validator bounds every accumulator).
inline int32_t start_value(int32_t bias, int32_t input_offset, int32_t weight_sum) {
  return static_cast<int32_t>(static_cast<uint32_t>(bias) + static_cast<uint32_t>(input_offset) *
                                                                static_cast<uint32_t>(weight_sum));
}

// a + b with int32 wrap-around (partial sums of an accumulation that ends in range).
inline int32_t wrapping_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}

}  // namespace tinynas::firmware::mve
