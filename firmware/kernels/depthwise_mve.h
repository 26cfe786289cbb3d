// The 8-channel group of the *_mve depthwise kernels (out of place and in place): 8 channels in
// the 16-bit lanes of a vector. Per kernel tap the 8 input bytes and the 8 tap bytes are
// sign-extended by the load (VLDRB.S16), the input offset is added in int16 (x + offset is in
// [-255, 255]), and the products are widened into two int32 accumulators, VMULLB for the even
// channels and VMULLT for the odd ones (MVE has no lane-wise vector multiply-accumulate); the two
// requantized halves (requantize_mve.h) are interleaved back by VMOVNB / VMOVNT and stored as
// bytes. A group of fewer channels (the C % 8 leftovers, narrow in-place rings) loads and stores
// under a lane predicate (VCTP), so nothing is read or written past its channels.
#pragma once

#include <arm_mve.h>
#include <stdint.h>

#include "engine/runtime/kernels.h"
#include "firmware/kernels/requantize_mve.h"

namespace tinynas::firmware::mve {

inline constexpr int32_t kGroupChannels = 8;  // int16 lanes of a vector

// The lanes of a group: all eight (kPredicated false: plain loads and stores) or the first few.
template <bool kPredicated>
struct GroupLanes {
  mve_pred16_t lanes;
  int16x8_t load(const int8_t* p) const {
    return kPredicated ? vldrbq_z_s16(p, lanes) : vldrbq_s16(p);
  }
  void store(int8_t* p, int16x8_t v) const {
    if (kPredicated) {
      vstrbq_p_s16(p, v, lanes);
    } else {
      vstrbq_s16(p, v);
    }
  }
};

// A group's per-channel constants split into its even and odd channels, the order in which
// VMULLB / VMULLT leave the products.
struct GroupConstants {
  int32x4_t start_even, start_odd;
  Requant4 requant_even, requant_odd;
};

// Channels [c, c + count) (count <= 8); the missing lanes are zero.
inline GroupConstants load_group_constants(const runtime::PerChannelQuantization& quant,
                                           const int32_t* bias, int32_t c, int32_t count) {
  int32_t start[kGroupChannels] = {};
  int32_t multiplier[kGroupChannels] = {};
  int32_t shift[kGroupChannels] = {};
  for (int32_t j = 0; j < count; ++j) {
    start[j] = bias != nullptr ? bias[c + j] : 0;
    multiplier[j] = quant.multiplier[c + j];
    shift[j] = quant.shift[c + j];
  }
  const auto even = [](const int32_t* v) { return lanes4(v[0], v[2], v[4], v[6]); };
  const auto odd = [](const int32_t* v) { return lanes4(v[1], v[3], v[5], v[7]); };
  return GroupConstants{even(start), odd(start), make_requant4(even(multiplier), even(shift)),
                        make_requant4(odd(multiplier), odd(shift))};
}

// Where one output pixel's window (clipped to the input) lies.
struct GroupWindow {
  const int8_t* const* rows;  // per window row: its first window pixel
  int32_t row_count;
  int32_t columns;
  int32_t in_pixel_step;   // bytes between horizontally adjacent input pixels
  const int8_t* taps;      // the window's first tap
  int32_t tap_row_step;    // kernel_w * channels
  int32_t tap_pixel_step;  // channels
};

// One output pixel of one group: the window's taps, requantization, the store. `offset` (the
// group's first channel) is added to the window's row and tap pointers.
template <bool kPredicated>
inline void group_pixel(const GroupConstants& k, GroupLanes<kPredicated> group,
                        const GroupWindow& window, int32_t offset, int16_t input_offset,
                        const OutputRange4& range, int8_t* out) {
  int32x4_t even = k.start_even;
  int32x4_t odd = k.start_odd;
  const int8_t* tap = window.taps + offset;
  for (int32_t ky = 0; ky < window.row_count; ++ky) {
    const int8_t* x_ptr = window.rows[ky] + offset;
    const int8_t* w_ptr = tap;
    for (int32_t kx = 0; kx < window.columns; ++kx) {
      const int16x8_t x = vaddq_n_s16(group.load(x_ptr), input_offset);
      const int16x8_t w = group.load(w_ptr);
      even = vaddq_s32(even, vmullbq_int_s16(x, w));
      odd = vaddq_s32(odd, vmulltq_int_s16(x, w));
      x_ptr += window.in_pixel_step;
      w_ptr += window.tap_pixel_step;
    }
    tap += window.tap_row_step;
  }
  int16x8_t result = vdupq_n_s16(0);
  result = vmovnbq_s32(result, requantize4(even, k.requant_even, range));
  result = vmovntq_s32(result, requantize4(odd, k.requant_odd, range));
  group.store(out, result);
}

}  // namespace tinynas::firmware::mve
