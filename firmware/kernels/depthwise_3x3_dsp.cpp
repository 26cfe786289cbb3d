// The 3x3 depthwise row loop of depthwise_3x3_dsp.h. A DSP-only helper: it replaces no file of
// engine/runtime (the glob of firmware_image.cmake finds no depthwise_3x3.cpp there), the two
// depthwise kernels call it.
#include "firmware/kernels/depthwise_3x3_dsp.h"

#include <stddef.h>

#include "engine/runtime/window_span.h"

namespace tinynas::firmware::dsp {

namespace {

// Beyond this right shift, rounding + high (see FastRequant) could leave int32.
constexpr int32_t kMaxFastShift = 22;
// |bias| <= 2^29 keeps |acc| < 2^30 (nine products of at most 255 * 128 add < 2^19), so the
// doubled accumulator does not wrap.
constexpr int32_t kMaxFastBias = int32_t{1} << 29;

bool fast_requant_exact(int32_t shift, int32_t bias) {
  return shift <= -1 && shift >= -kMaxFastShift && bias >= -kMaxFastBias && bias <= kMaxFastBias;
}

// scale_to_int8 (requantize_dsp.h) of channel c from 2 * acc, bit for bit: high = SMMULR(2 * acc,
// multiplier), then (high + rounding + (high < 0 ? -1 : 0)) >> shift saturated to int8. In
// assembly so that a channel's constants come in with one LDRD and one LDR (q points at
// fast_requant[0]; FastRequant is three words, channel c's at byte 12 * c).
// clang-format off
#define TINYNAS_DW3X3_REQUANT_CHANNEL(ACC, OFFSET)          \
  "ldrd %[m], %[k], [%[q], #" OFFSET "]\n\t"                 \
  "ldr %[e], [%[q], #" OFFSET " + 8]\n\t"                    \
  "smmulr %[" ACC "], %[" ACC "], %[m]\n\t"                  \
  "add %[k], %[k], %[" ACC "], asr #31\n\t"                  \
  "add %[" ACC "], %[" ACC "], %[k]\n\t"                     \
  "asr %[" ACC "], %[" ACC "], %[e]\n\t"                     \
  "ssat %[" ACC "], #8, %[" ACC "]\n\t"
#define TINYNAS_DW3X3_REQUANT_OPERANDS(WORD_CONSTRAINT)                                         \
  : [lo] "+r"(lo), [hi] "+r"(hi), [w] WORD_CONSTRAINT(word), [m] "=&r"(m), [k] "=&r"(k),       \
    [e] "=&r"(e)                                                                               \
  : [q] "r"(q)
// clang-format on

// One SXTB16 lane pair of a pixel (channels 0 and 2, or with kOdd 1 and 3) from doubled
// accumulators into their bytes of `word`; the even pair starts the word (bytes 1 and 3 hold
// sign bits until the odd pair fills them).
template <bool kOdd>
inline uint32_t fast_requantize_pair(uint32_t word, int32_t lo, int32_t hi, const FastRequant* q) {
  static_assert(sizeof(FastRequant) == 12, "three words per channel");
  int32_t m, k, e;
  // volatile: the blocks read the constants, which no operand names.
  // clang-format off
  if (kOdd) {
    __asm__ volatile(TINYNAS_DW3X3_REQUANT_CHANNEL("lo", "12")
                     TINYNAS_DW3X3_REQUANT_CHANNEL("hi", "36")
                     "bfi %[w], %[lo], #8, #8\n\t"
                     "bfi %[w], %[hi], #24, #8"
                     TINYNAS_DW3X3_REQUANT_OPERANDS("+r"));
  } else {
    __asm__ volatile(TINYNAS_DW3X3_REQUANT_CHANNEL("lo", "0")
                     TINYNAS_DW3X3_REQUANT_CHANNEL("hi", "24")
                     "bfi %[lo], %[hi], #16, #8\n\t"
                     "mov %[w], %[lo]"
                     TINYNAS_DW3X3_REQUANT_OPERANDS("=&r"));
  }
  // clang-format on
  return word;
}

#undef TINYNAS_DW3X3_REQUANT_CHANNEL
#undef TINYNAS_DW3X3_REQUANT_OPERANDS

inline uint32_t fast_requantize4(const Acc4& acc, const FastRequant* q) {
  return fast_requantize_pair<true>(fast_requantize_pair<false>(0, acc.c0, acc.c2, q), acc.c1,
                                    acc.c3, q);
}

// The general requantization of the four channels (undoubled accumulators), not yet clamped.
inline uint32_t scale4(const Acc4& acc, const Depthwise3x3Group& g, int32_t output_offset) {
  return pack_int8x4(scale_to_int8(acc.c0, g.requant[0], output_offset),
                     scale_to_int8(acc.c1, g.requant[1], output_offset),
                     scale_to_int8(acc.c2, g.requant[2], output_offset),
                     scale_to_int8(acc.c3, g.requant[3], output_offset));
}

template <bool kFast>
inline uint32_t requantize(const Acc4& acc, const Depthwise3x3Group& g, int32_t output_offset,
                           const ActivationRange4& range) {
  return clamp_int8x4(kFast ? fast_requantize4(acc, g.fast_requant) : scale4(acc, g, output_offset),
                      range);
}

// p += one tap against one unpacked input word.
inline void mac(int16x2_t even, int16x2_t odd, const TapPair& tap, Acc4& p) {
  p.c0 = smlabb(even, tap.even, p.c0);
  p.c2 = smlatt(even, tap.even, p.c2);
  p.c1 = smlabb(odd, tap.odd, p.c1);
  p.c3 = smlatt(odd, tap.odd, p.c3);
}

// The input rows of a window, copied out of the caller's array so that the output stores (which
// may alias anything) do not force reloads.
struct Rows3 {
  const int8_t* r[k3x3Kernel];
};

// The multiply-accumulates of two interior pixels `kStride` input columns apart, for one channel
// pair (LanePair): the lanes of SXTB16 (channels 0 and 2 of the group, or with the ", ror #8"
// variant 1 and 3). in0..in2 point at the first pixel's kernel column 0 in the three kernel rows,
// input columns are `step` bytes apart. Column j of a row serves tap j of the first pixel (a) and
// tap j - kStride of the second (b), so each column is loaded and unpacked once. In assembly, the
// row's taps reloaded into two registers: the compiler spilled the accumulators of the C version.
// clang-format off
#define TINYNAS_DW3X3_MAC(T)                               \
  "smlabb %[a_lo], %[x], %[" T "], %[a_lo]\n\t"            \
  "smlatt %[a_hi], %[x], %[" T "], %[a_hi]\n\t"
#define TINYNAS_DW3X3_MAC_B(T)                             \
  "smlabb %[b_lo], %[x], %[" T "], %[b_lo]\n\t"            \
  "smlatt %[b_hi], %[x], %[" T "], %[b_hi]\n\t"
#define TINYNAS_DW3X3_COLUMN(ADDRESS, UNPACK)              \
  "ldr %[x], " ADDRESS "\n\t"                              \
  "sxtb16 %[x], %[x]" UNPACK "\n\t"
// Both strides: taps 0 and 1 in u and v; columns 0 and 1 into the first pixel.
#define TINYNAS_DW3X3_ROW_START(IN, TAPS, UNPACK)                       \
  "ldrd %[u], %[v], [%[t], #" TAPS "]\n\t"                             \
  TINYNAS_DW3X3_COLUMN("[%[" IN "]]", UNPACK)                          \
  TINYNAS_DW3X3_MAC("u")                                               \
  TINYNAS_DW3X3_COLUMN("[%[" IN "], %[step]]", UNPACK)                 \
  TINYNAS_DW3X3_MAC("v")
// Stride 1: columns 0..3; column 1 also into the second pixel, then tap 2 replaces tap 0 in u.
#define TINYNAS_DW3X3_ROW_STRIDE1(IN, TAPS, UNPACK)                     \
  TINYNAS_DW3X3_ROW_START(IN, TAPS, UNPACK)                            \
  TINYNAS_DW3X3_MAC_B("u")                                             \
  "ldr %[u], [%[t], #" TAPS " + 8]\n\t"                                \
  TINYNAS_DW3X3_COLUMN("[%[" IN "], %[step], lsl #1]", UNPACK)         \
  TINYNAS_DW3X3_MAC("u")                                               \
  TINYNAS_DW3X3_MAC_B("v")                                             \
  "add %[x], %[" IN "], %[step], lsl #1\n\t"                           \
  TINYNAS_DW3X3_COLUMN("[%[x], %[step]]", UNPACK)                      \
  TINYNAS_DW3X3_MAC_B("u")
// Stride 2: columns 0..4; tap 2 replaces tap 1 in v for column 2, tap 1 comes back into u.
#define TINYNAS_DW3X3_ROW_STRIDE2(IN, TAPS, UNPACK)                     \
  TINYNAS_DW3X3_ROW_START(IN, TAPS, UNPACK)                            \
  "ldr %[v], [%[t], #" TAPS " + 8]\n\t"                                \
  TINYNAS_DW3X3_COLUMN("[%[" IN "], %[step], lsl #1]", UNPACK)         \
  TINYNAS_DW3X3_MAC("v")                                               \
  TINYNAS_DW3X3_MAC_B("u")                                             \
  "ldr %[u], [%[t], #" TAPS " + 4]\n\t"                                \
  "add %[x], %[" IN "], %[step], lsl #1\n\t"                           \
  TINYNAS_DW3X3_COLUMN("[%[x], %[step]]", UNPACK)                      \
  TINYNAS_DW3X3_MAC_B("u")                                             \
  TINYNAS_DW3X3_COLUMN("[%[" IN "], %[step], lsl #2]", UNPACK)         \
  TINYNAS_DW3X3_MAC_B("v")
#define TINYNAS_DW3X3_PASS(ROW, UNPACK)                                 \
  "ldrd %[a_lo], %[a_hi], [%[t]]\n\t"                                  \
  "ldrd %[b_lo], %[b_hi], [%[t]]\n\t"                                  \
  ROW("in0", "8", UNPACK) ROW("in1", "20", UNPACK) ROW("in2", "32", UNPACK)
#define TINYNAS_DW3X3_PASS_OPERANDS                                                          \
  : [a_lo] "=&r"(a_lo), [a_hi] "=&r"(a_hi), [b_lo] "=&r"(b_lo), [b_hi] "=&r"(b_hi),          \
    [x] "=&r"(x), [u] "=&r"(u), [v] "=&r"(v)                                                 \
  : [in0] "r"(in.r[0]), [in1] "r"(in.r[1]), [in2] "r"(in.r[2]), [step] "r"(step), [t] "r"(lanes)
// clang-format on

template <int32_t kStride, bool kOdd>
inline void pair_pass(const Rows3& in, int32_t step, const LanePair* lanes, int32_t& a_lo,
                      int32_t& a_hi, int32_t& b_lo, int32_t& b_hi) {
  static_assert(kStride == 1 || kStride == 2, "strides 1 and 2 only");
  static_assert(offsetof(LanePair, taps) == 8 && sizeof(LanePair) == 44, "offsets in the asm");
  int32_t x, u, v;
  // volatile: the blocks read the input and the taps, which no operand names.
  if (kStride == 1 && !kOdd) {
    __asm__ volatile(TINYNAS_DW3X3_PASS(TINYNAS_DW3X3_ROW_STRIDE1, "") TINYNAS_DW3X3_PASS_OPERANDS);
  } else if (kStride == 1) {
    __asm__ volatile(TINYNAS_DW3X3_PASS(TINYNAS_DW3X3_ROW_STRIDE1, ", ror #8")
                         TINYNAS_DW3X3_PASS_OPERANDS);
  } else if (!kOdd) {
    __asm__ volatile(TINYNAS_DW3X3_PASS(TINYNAS_DW3X3_ROW_STRIDE2, "") TINYNAS_DW3X3_PASS_OPERANDS);
  } else {
    __asm__ volatile(TINYNAS_DW3X3_PASS(TINYNAS_DW3X3_ROW_STRIDE2, ", ror #8")
                         TINYNAS_DW3X3_PASS_OPERANDS);
  }
}

#undef TINYNAS_DW3X3_MAC
#undef TINYNAS_DW3X3_MAC_B
#undef TINYNAS_DW3X3_COLUMN
#undef TINYNAS_DW3X3_ROW_START
#undef TINYNAS_DW3X3_ROW_STRIDE1
#undef TINYNAS_DW3X3_ROW_STRIDE2
#undef TINYNAS_DW3X3_PASS
#undef TINYNAS_DW3X3_PASS_OPERANDS

// Two interior pixels `kStride` columns apart (in: the first one's kernel column 0 in each
// kernel row) as two words of int8 outputs, not yet clamped to the activation range.
template <int32_t kStride, bool kFast>
inline void interior_pair(const Rows3& in, int32_t step, const Depthwise3x3Group& g,
                          int32_t output_offset, uint32_t& w0, uint32_t& w1) {
  if (kFast) {
    int32_t a_lo, a_hi, b_lo, b_hi;
    pair_pass<kStride, false>(in, step, &g.even, a_lo, a_hi, b_lo, b_hi);
    w0 = fast_requantize_pair<false>(0, a_lo, a_hi, g.fast_requant);
    w1 = fast_requantize_pair<false>(0, b_lo, b_hi, g.fast_requant);
    pair_pass<kStride, true>(in, step, &g.odd, a_lo, a_hi, b_lo, b_hi);
    w0 = fast_requantize_pair<true>(w0, a_lo, a_hi, g.fast_requant);
    w1 = fast_requantize_pair<true>(w1, b_lo, b_hi, g.fast_requant);
  } else {
    Acc4 p0, p1;
    pair_pass<kStride, false>(in, step, &g.even, p0.c0, p0.c2, p1.c0, p1.c2);
    pair_pass<kStride, true>(in, step, &g.odd, p0.c1, p0.c3, p1.c1, p1.c3);
    w0 = scale4(p0, g, output_offset);
    w1 = scale4(p1, g, output_offset);
  }
}

inline void interior_one(const Rows3& rows, int32_t in_x, int32_t step, const TapPair* taps,
                         Acc4& p) {
#pragma GCC unroll 3
  for (int32_t ky = 0; ky < k3x3Kernel; ++ky) {
    const int8_t* in = rows.r[ky] + in_x;
    const TapPair* t = taps + ky * k3x3Kernel;
#pragma GCC unroll 3
    for (int32_t j = 0; j < k3x3Kernel; ++j) {
      const int8x4_t word = load_int8x4(in + j * step);
      mac(even_pair(word), odd_pair(word), t[j], p);
    }
  }
}

// Output pixels [x_begin, x_end), all with the window inside the input.
template <int32_t kStride, bool kFast>
void interior_pixels(const runtime::ConvParams& params, const Depthwise3x3Group& g,
                     const Rows3& rows, int32_t step, int32_t x_begin, int32_t x_end, int8_t* out,
                     int32_t out_step, const ActivationRange4& range) {
  const int32_t output_offset = params.output_offset;
  const ActivationRange4 clamp_range = range;  // a copy: the output stores may alias `range`
  int32_t in_x = (x_begin * kStride - params.pad_left) * step;
  int8_t* o = out + x_begin * out_step;
  int32_t x = x_begin;
  for (; x + 2 <= x_end; x += 2) {
    const Rows3 in{{rows.r[0] + in_x, rows.r[1] + in_x, rows.r[2] + in_x}};
    uint32_t w0, w1;
    interior_pair<kStride, kFast>(in, step, g, output_offset, w0, w1);
    store_int8x4(o, clamp_int8x4(w0, clamp_range));
    store_int8x4(o + out_step, clamp_int8x4(w1, clamp_range));
    o += 2 * out_step;
    in_x += 2 * kStride * step;
  }
  if (x < x_end) {
    Acc4 p = g.folded;
    interior_one(rows, in_x, step, g.taps, p);
    store_int8x4(o, requantize<kFast>(p, g, output_offset, range));
  }
}

// Output pixel out_x of a border column (its window clipped horizontally, and vertically to
// [ky_begin, ky_end)): the general window code of depthwise_dsp.h over the group's taps.
template <bool kFast>
void border_pixel(const runtime::ConvParams& params, const Depthwise3x3Group& g,
                  const int8_t* const* rows, int32_t step, int32_t ky_begin, int32_t ky_end,
                  int32_t input_w, int32_t out_x, int8_t* out, const ActivationRange4& range) {
  const runtime::WindowSpan cols =
      runtime::window_span(out_x, params.stride_w, params.pad_left, k3x3Kernel, input_w);
  Window win;
  win.ky_begin = ky_begin;
  win.ky_end = ky_end;
  win.kx_begin = cols.begin;
  win.kx_end = cols.end;
  win.in_x_origin = cols.origin;
  Acc4 acc = g.bias;
  accumulate_window<true>(rows, step, g.taps, k3x3Kernel, win, splat_offset(params.input_offset),
                          acc);
  store_int8x4(out, requantize<kFast>(acc, g, params.output_offset, range));
}

// Lane 0 and lane 1 of a packed pair.
inline int32_t low_lane(int16x2_t pair) { return static_cast<int16_t>(pair & 0xFFFF); }
inline int32_t high_lane(int16x2_t pair) { return pair >> 16; }

// `g` for an output row whose window is clipped vertically (kernel rows [ky_begin, ky_end) inside
// the input): the other rows' taps zeroed, so that whatever row is read for them adds nothing,
// and the input offset folded over the remaining taps only. The interior loop then runs such rows
// too.
void clip_rows(const Depthwise3x3Group& g, int32_t ky_begin, int32_t ky_end, int32_t input_offset,
               Depthwise3x3Group& clipped) {
  clipped = g;
  int32_t sum[kGroupChannels] = {0, 0, 0, 0};
  for (int32_t t = 0; t < k3x3Taps; ++t) {
    const int32_t ky = t / k3x3Kernel;
    if (ky < ky_begin || ky >= ky_end) {
      clipped.taps[t] = TapPair{0, 0};
      clipped.even.taps[t] = 0;
      clipped.odd.taps[t] = 0;
    } else {
      sum[0] += low_lane(g.taps[t].even);
      sum[1] += low_lane(g.taps[t].odd);
      sum[2] += high_lane(g.taps[t].even);
      sum[3] += high_lane(g.taps[t].odd);
    }
  }
  clipped.folded = Acc4{
      fold_offset(g.bias.c0, input_offset, sum[0]), fold_offset(g.bias.c1, input_offset, sum[1]),
      fold_offset(g.bias.c2, input_offset, sum[2]), fold_offset(g.bias.c3, input_offset, sum[3])};
  clipped.even.start[0] = clipped.folded.c0;
  clipped.even.start[1] = clipped.folded.c2;
  clipped.odd.start[0] = clipped.folded.c1;
  clipped.odd.start[1] = clipped.folded.c3;
}

template <bool kFast>
void group_row(const runtime::ConvParams& params, const Depthwise3x3Group& g,
               const int8_t* const* rows, int32_t step, int32_t ky_begin, int32_t ky_end,
               int32_t input_w, int32_t output_w, int8_t* out, int32_t out_step,
               const ActivationRange4& range) {
  const int32_t stride = params.stride_w;
  // Interior columns: kernel column 0 at or right of input column 0, column 2 inside the input.
  const int32_t x_begin = runtime::min_i32(output_w, (params.pad_left + stride - 1) / stride);
  const int32_t last_start = input_w - k3x3Kernel + params.pad_left;  // of kernel column 0
  const int32_t x_end = runtime::max_i32(
      x_begin, last_start < 0 ? x_begin : runtime::min_i32(output_w, last_start / stride + 1));
  for (int32_t x = 0; x < x_begin; ++x) {
    border_pixel<kFast>(params, g, rows, step, ky_begin, ky_end, input_w, x, out + x * out_step,
                        range);
  }
  if (x_begin < x_end) {
    const Depthwise3x3Group* row_group = &g;
    Depthwise3x3Group clipped;
    Rows3 window;
    for (int32_t ky = 0; ky < k3x3Kernel; ++ky) {
      window.r[ky] = rows[ky >= ky_begin && ky < ky_end ? ky : ky_begin];
    }
    if (ky_begin != 0 || ky_end != k3x3Kernel) {
      clip_rows(g, ky_begin, ky_end, params.input_offset, clipped);
      row_group = &clipped;
    }
    if (stride == 1) {
      interior_pixels<1, kFast>(params, *row_group, window, step, x_begin, x_end, out, out_step,
                                range);
    } else {
      interior_pixels<2, kFast>(params, *row_group, window, step, x_begin, x_end, out, out_step,
                                range);
    }
  }
  for (int32_t x = x_end; x < output_w; ++x) {
    border_pixel<kFast>(params, g, rows, step, ky_begin, ky_end, input_w, x, out + x * out_step,
                        range);
  }
}

}  // namespace

void load_depthwise_3x3_group(const runtime::ConvParams& params,
                              const runtime::PerChannelQuantization& quant, const int8_t* filter,
                              const int32_t* bias, int32_t channels, int32_t c,
                              Depthwise3x3Group& group) {
  int32_t channel_bias[kGroupChannels];
  bool fast = true;
  for (int32_t j = 0; j < kGroupChannels; ++j) {
    channel_bias[j] = bias_or_zero(bias, c + j);
    fast = fast && fast_requant_exact(quant.shift[c + j], channel_bias[j]);
  }
  const int32_t factor = fast ? 2 : 1;
  int32_t sum[kGroupChannels] = {0, 0, 0, 0};
  int16x2_t even_taps[k3x3Taps];
  int16x2_t odd_taps[k3x3Taps];
  for (int32_t t = 0; t < k3x3Taps; ++t) {
    const int8_t* w = filter + t * channels + c;
    int16x2_t even = even_pair(load_int8x4(w));
    int16x2_t odd = odd_pair(load_int8x4(w));
    if (fast) {
      even = __sadd16(even, even);
      odd = __sadd16(odd, odd);
    }
    group.taps[t] = TapPair{even, odd};
    even_taps[t] = even;
    odd_taps[t] = odd;
    for (int32_t j = 0; j < kGroupChannels; ++j) sum[j] += w[j];
  }
  const int32_t offset = params.input_offset;
  group.bias = Acc4{factor * channel_bias[0], factor * channel_bias[1], factor * channel_bias[2],
                    factor * channel_bias[3]};
  group.folded = Acc4{fold_offset(group.bias.c0, offset, factor * sum[0]),
                      fold_offset(group.bias.c1, offset, factor * sum[1]),
                      fold_offset(group.bias.c2, offset, factor * sum[2]),
                      fold_offset(group.bias.c3, offset, factor * sum[3])};
  group.even = LanePair{{group.folded.c0, group.folded.c2}, {}};
  group.odd = LanePair{{group.folded.c1, group.folded.c3}, {}};
  for (int32_t t = 0; t < k3x3Taps; ++t) {
    group.even.taps[t] = even_taps[t];
    group.odd.taps[t] = odd_taps[t];
  }
  group.fast = fast;
  for (int32_t j = 0; j < kGroupChannels; ++j) {
    group.requant[j] = channel_requant(quant, c + j);
    const int32_t shift = -quant.shift[c + j];
    group.fast_requant[j] = FastRequant{
        quant.multiplier[c + j],
        fast ? (int32_t{1} << (shift - 1)) + params.output_offset * (int32_t{1} << shift) : 0,
        shift};
  }
}

void depthwise_3x3_group_row(const runtime::ConvParams& params, const Depthwise3x3Group& group,
                             const int8_t* const* rows, int32_t in_pixel_stride, int32_t ky_begin,
                             int32_t ky_end, int32_t input_w, int32_t output_w, int8_t* out,
                             int32_t out_pixel_stride, const ActivationRange4& range) {
  if (group.fast) {
    group_row<true>(params, group, rows, in_pixel_stride, ky_begin, ky_end, input_w, output_w, out,
                    out_pixel_stride, range);
  } else {
    group_row<false>(params, group, rows, in_pixel_stride, ky_begin, ky_end, input_w, output_w, out,
                     out_pixel_stride, range);
  }
}

}  // namespace tinynas::firmware::dsp
