// Depthwise 3x3 convolution with depth multiplier 1 and strides 1 or 2, DSP path: the
// specialised row loop that depthwise_conv2d_s8_dsp.cpp and depthwise_conv2d_s8_in_place_dsp.cpp
// call for such layers (MCUNet's and MobileNet's most common depthwise shape). Same 4-channel
// groups, tap tables and border handling as depthwise_dsp.h; what differs:
//
// - Interior columns (window inside the input horizontally) run a fixed 3x3 loop with no
//   clipping, two output pixels at a time: at stride 1 the pair reads 4 input columns instead of
//   6, at stride 2 5 instead of 6, and each column is loaded and unpacked (SXTB16) once for both
//   pixels. Rows clipped vertically (top and bottom) run it too, with the missing kernel rows'
//   taps zeroed and the input offset folded over the others; only the border columns take the
//   general window code.
// - Requantization in five instructions per channel where that is exact (FastRequant): the taps
//   are stored doubled, so the accumulator holds 2 * acc and SMMULR (the rounded high word of a
//   32 x 32 product) gives saturating_rounding_doubling_high_mul(acc, multiplier) directly; the
//   rounding divide by 2^e is (high + 2^(e-1) - (high < 0)) >> e, and the output zero point rides
//   along as zero_point * 2^e before the shift. A group whose channels do not all qualify keeps
//   undoubled taps and the general requantization (requantize_dsp.h).
#pragma once

#include <stdint.h>

#include "engine/runtime/kernels.h"
#include "firmware/kernels/depthwise_dsp.h"

namespace tinynas::firmware::dsp {

inline constexpr int32_t k3x3Kernel = 3;
inline constexpr int32_t k3x3Taps = k3x3Kernel * k3x3Kernel;

// One channel's requantization from a doubled accumulator (see the header comment).
struct FastRequant {
  int32_t multiplier;  // Q31
  int32_t rounding;    // 2^(shift - 1) + output_offset * 2^shift
  int32_t shift;       // the right shift e, in [1, kMaxFastShift]
};

// What the interior loop needs of one channel pair of a group, in the order it reads it.
struct LanePair {
  int32_t start[2];          // folded start values of the pair's channels
  int16x2_t taps[k3x3Taps];  // the pair's lanes of each tap (doubled when the group is `fast`)
};

// Everything a 4-channel group of a 3x3 depthwise layer needs that does not depend on the pixel.
struct Depthwise3x3Group {
  TapPair taps[k3x3Taps];  // doubled when `fast`
  LanePair even;           // channels 0 and 2 (the even lanes of SXTB16)
  LanePair odd;            // channels 1 and 3
  Acc4 bias;               // start value of clipped windows (doubled when `fast`)
  Acc4 folded;             // + input_offset * sum(taps): start value of interior windows
  bool fast;               // requantized with `fast_requant`, else with `requant`
  FastRequant fast_requant[kGroupChannels];
  ChannelRequant requant[kGroupChannels];
};

// Whether the 3x3 path runs this depthwise layer.
inline bool depthwise_3x3_applies(const runtime::ConvParams& params,
                                  const runtime::Shape& input_shape,
                                  const runtime::Shape& filter_shape,
                                  const runtime::Shape& output_shape) {
  return filter_shape.h == k3x3Kernel && filter_shape.w == k3x3Kernel &&
         input_shape.c == output_shape.c && params.stride_h == params.stride_w &&
         (params.stride_w == 1 || params.stride_w == 2);
}

// Channels [c, c + 4) of a 3x3 depthwise filter (1, 3, 3, C).
void load_depthwise_3x3_group(const runtime::ConvParams& params,
                              const runtime::PerChannelQuantization& quant, const int8_t* filter,
                              const int32_t* bias, int32_t channels, int32_t c,
                              Depthwise3x3Group& group);

// Output row of one 4-channel group, with depthwise_group_row's contract (depthwise_dsp.h) for a
// 3x3 kernel: rows[ky] for ky in [ky_begin, ky_end) point at input column 0 (channel c) of that
// kernel row, input pixels `in_pixel_stride` bytes apart, output pixels `out_pixel_stride`.
void depthwise_3x3_group_row(const runtime::ConvParams& params, const Depthwise3x3Group& group,
                             const int8_t* const* rows, int32_t in_pixel_stride, int32_t ky_begin,
                             int32_t ky_end, int32_t input_w, int32_t output_w, int8_t* out,
                             int32_t out_pixel_stride, const ActivationRange4& range);

}  // namespace tinynas::firmware::dsp
