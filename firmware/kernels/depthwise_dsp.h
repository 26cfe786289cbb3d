// Building blocks of the DSP depthwise kernels (depthwise_conv2d_s8_dsp.cpp and
// depthwise_conv2d_s8_in_place_dsp.cpp): groups of 4 adjacent channels, which NHWC stores in one
// word per pixel. A depthwise product must not be summed across channels, so SMLAD does not apply;
// SXTB16 splits 4 channels into the even pair (c0, c2) and the odd pair (c1, c3) and SMLABB/SMLATT
// accumulate each channel on its own: 4 MACs per loaded word.
//
// The group's taps are sign-extended once into a table (TapPair), so a tap costs one LDRD instead
// of a load and two SXTB16 per output pixel. For windows that lie fully inside the input the input
// offset is folded into the start value (bias + input_offset * sum of the channel's taps); clipped
// windows at the borders add it to every input value (SADD16) like the plain kernel does.
#pragma once

#include <stdint.h>

#include "engine/runtime/kernels.h"
#include "engine/runtime/model_format.h"
#include "engine/runtime/window_span.h"
#include "firmware/kernels/requantize_bounded_dsp.h"
#include "firmware/kernels/requantize_dsp.h"
#include "firmware/kernels/simd32_dsp.h"

namespace tinynas::firmware::dsp {

inline constexpr int32_t kGroupChannels = 4;
inline constexpr int32_t kMaxTaps = runtime::kMaxKernelSize * runtime::kMaxKernelSize;

// One tap of a 4-channel group: channels (0, 2) and (1, 3) as int16 lanes.
struct TapPair {
  int16x2_t even;
  int16x2_t odd;
};

struct Acc4 {
  int32_t c0, c1, c2, c3;
};

// Everything a 4-channel group needs that does not depend on the pixel.
struct DepthwiseGroup {
  TapPair taps[kMaxTaps];  // row-major over the kernel window
  Acc4 bias;               // start value of clipped windows
  Acc4 folded;             // bias + input_offset * sum(taps): start value of full windows
  ChannelRequant requant[kGroupChannels];
  BoundedRequant bounded[kGroupChannels];
  bool all_bounded;  // every channel takes the short requantization (requantize_bounded_dsp.h)
};

inline int32_t bias_or_zero(const int32_t* bias, int32_t channel) {
  return bias != nullptr ? bias[channel] : 0;
}

inline int32_t fold_offset(int32_t start, int32_t input_offset, int32_t tap_sum) {
  return static_cast<int32_t>(static_cast<uint32_t>(start) +
                              static_cast<uint32_t>(input_offset) * static_cast<uint32_t>(tap_sum));
}

// Channels [c, c + 4) of a depthwise filter (1, KH, KW, C).
inline void load_depthwise_group(const runtime::ConvParams& params,
                                 const runtime::PerChannelQuantization& quant, const int8_t* filter,
                                 const int32_t* bias, int32_t taps, int32_t channels, int32_t c,
                                 DepthwiseGroup& group) {
  int32_t sum[kGroupChannels] = {0, 0, 0, 0};
  for (int32_t t = 0; t < taps; ++t) {
    const int8_t* w = filter + t * channels + c;
    const int8x4_t word = load_int8x4(w);
    group.taps[t] = TapPair{even_pair(word), odd_pair(word)};
    for (int32_t j = 0; j < kGroupChannels; ++j) sum[j] += w[j];
  }
  group.bias = Acc4{bias_or_zero(bias, c), bias_or_zero(bias, c + 1), bias_or_zero(bias, c + 2),
                    bias_or_zero(bias, c + 3)};
  const int32_t offset = params.input_offset;
  group.folded =
      Acc4{fold_offset(group.bias.c0, offset, sum[0]), fold_offset(group.bias.c1, offset, sum[1]),
           fold_offset(group.bias.c2, offset, sum[2]), fold_offset(group.bias.c3, offset, sum[3])};
  const int32_t starts[kGroupChannels] = {group.bias.c0, group.bias.c1, group.bias.c2,
                                          group.bias.c3};
  group.all_bounded = true;
  for (int32_t j = 0; j < kGroupChannels; ++j) {
    group.requant[j] = channel_requant(quant, c + j);
    group.all_bounded =
        make_bounded_requant(quant.multiplier[c + j], quant.shift[c + j], params.output_offset,
                             accumulator_bound(starts[j], taps), group.bounded[j]) &&
        group.all_bounded;
  }
}

// The part of the kernel window that lies inside the input, for one output pixel.
struct Window {
  int32_t ky_begin, ky_end;  // kernel rows
  int32_t kx_begin, kx_end;  // kernel columns
  int32_t in_x_origin;       // input column of kernel column 0 (may be negative)
  bool full(int32_t kernel_h, int32_t kernel_w) const {
    return ky_begin == 0 && kx_begin == 0 && ky_end == kernel_h && kx_end == kernel_w;
  }
};

// acc += the window's taps against input words. rows[ky] points at input column 0 of kernel row
// ky (channel c); consecutive columns are `pixel_stride` bytes apart. kAddOffset: add the input
// offset to every value (clipped windows); otherwise it is folded into acc already.
template <bool kAddOffset>
inline void accumulate_window(const int8_t* const* rows, int32_t pixel_stride, const TapPair* taps,
                              int32_t kernel_w, const Window& win, int16x2_t offset2, Acc4& acc) {
  int32_t a0 = acc.c0, a1 = acc.c1, a2 = acc.c2, a3 = acc.c3;
  const int32_t columns = win.kx_end - win.kx_begin;
  for (int32_t ky = win.ky_begin; ky < win.ky_end; ++ky) {
    const int8_t* in = rows[ky] + (win.in_x_origin + win.kx_begin) * pixel_stride;
    const TapPair* tap = taps + ky * kernel_w + win.kx_begin;
    const TapPair* const tap_end = tap + columns;
    for (; tap != tap_end; ++tap) {
      const int8x4_t word = load_int8x4(in);
      in += pixel_stride;
      int16x2_t x_even = even_pair(word), x_odd = odd_pair(word);
      if (kAddOffset) {
        x_even = __sadd16(x_even, offset2);
        x_odd = __sadd16(x_odd, offset2);
      }
      a0 = smlabb(x_even, tap->even, a0);
      a2 = smlatt(x_even, tap->even, a2);
      a1 = smlabb(x_odd, tap->odd, a1);
      a3 = smlatt(x_odd, tap->odd, a3);
    }
  }
  acc = Acc4{a0, a1, a2, a3};
}

// The group's 4 channels are adjacent bytes of each input pixel (depth multiplier 1): rows[] point
// at the group's first channel.
struct AdjacentChannels {
  template <bool kAddOffset>
  void accumulate(const int8_t* const* rows, int32_t pixel_stride, const TapPair* taps,
                  int32_t kernel_w, const Window& win, int16x2_t offset2, Acc4& acc) const {
    accumulate_window<kAddOffset>(rows, pixel_stride, taps, kernel_w, win, offset2, acc);
  }
};

// The 4 channels' outputs of one pixel as one word (channel c in the lowest byte).
inline uint32_t requantize_group(const Acc4& acc, const DepthwiseGroup& group,
                                 int32_t output_offset, const ActivationRange4& range) {
  if (group.all_bounded) {
    return clamp_int8x4(pack_int8x4(bounded_scale_to_int8(acc.c0, group.bounded[0]),
                                    bounded_scale_to_int8(acc.c1, group.bounded[1]),
                                    bounded_scale_to_int8(acc.c2, group.bounded[2]),
                                    bounded_scale_to_int8(acc.c3, group.bounded[3])),
                        range);
  }
  return clamp_int8x4(pack_int8x4(scale_to_int8(acc.c0, group.requant[0], output_offset),
                                  scale_to_int8(acc.c1, group.requant[1], output_offset),
                                  scale_to_int8(acc.c2, group.requant[2], output_offset),
                                  scale_to_int8(acc.c3, group.requant[3], output_offset)),
                      range);
}

inline void store_int8x4(int8_t* p, uint32_t word) {
  memcpy(p, &word, sizeof(word));  // an unaligned STR: allowed on ARMv7-M
}

// Output row `out_y` of one 4-channel group; rows[] as `channels` reads them (AdjacentChannels:
// as for accumulate_window), out points at output column 0 (channel c), output pixels
// `out_pixel_stride` bytes apart.
template <typename Channels = AdjacentChannels>
inline void depthwise_group_row(const runtime::ConvParams& params, const DepthwiseGroup& group,
                                const int8_t* const* rows, int32_t in_pixel_stride,
                                int32_t ky_begin, int32_t ky_end, int32_t kernel_h,
                                int32_t kernel_w, int32_t input_w, int32_t output_w, int8_t* out,
                                int32_t out_pixel_stride, const ActivationRange4& range,
                                const Channels& channels = Channels{}) {
  const int16x2_t offset2 = splat_offset(params.input_offset);
  Window win;
  win.ky_begin = ky_begin;
  win.ky_end = ky_end;
  for (int32_t out_x = 0; out_x < output_w; ++out_x) {
    const runtime::WindowSpan cols =
        runtime::window_span(out_x, params.stride_w, params.pad_left, kernel_w, input_w);
    win.in_x_origin = cols.origin;
    win.kx_begin = cols.begin;
    win.kx_end = cols.end;
    Acc4 acc;
    if (win.full(kernel_h, kernel_w)) {
      acc = group.folded;
      channels.template accumulate<false>(rows, in_pixel_stride, group.taps, kernel_w, win, offset2,
                                          acc);
    } else {
      acc = group.bias;
      channels.template accumulate<true>(rows, in_pixel_stride, group.taps, kernel_w, win, offset2,
                                         acc);
    }
    store_int8x4(out, requantize_group(acc, group, params.output_offset, range));
    out += out_pixel_stride;
  }
}

}  // namespace tinynas::firmware::dsp
