// General kh x kw convolution, DSP path (replaces engine/runtime/conv2d_s8.cpp in Cortex-M4/M7
// images). Bit-exact with the plain kernel.
//
// im2col of two output pixels at a time: each pixel's window (K = kh * kw * C_in values, in the
// OHWI filter's order) is written into the packed pixel pair of pixel_pair_dsp.h as int16 with
// the input offset already added (SXTAB16 for 4 consecutive values, offset_pairs_dsp.h), so the
// 2 pixels x 2 output channels block of the pointwise kernel runs on it against the filter rows
// unchanged. Window cells in the padding are left at 0, which is (x + offset) for the zero point
// the plain kernel skips them for. Inside one kernel row the valid cells are consecutive in NHWC,
// so the window is written as one run per kernel row, 4 values per step and the ragged ends one by
// one (with 3 input channels a row of a 3-wide window is 9 values, not a multiple of 4).
//
// K % 4 trailing values are packed into one more group whose weights come from a zero-padded
// copy of each row's last bytes (reading them as a word would run past the filter). K deeper than
// one packed chunk is done chunk by chunk with partial sums per channel block, like the pointwise
// kernel. The buffer lives on the stack, so no scratch is planned: the _get_buffer_size
// companion stays 0, as the host's memory planner assumes.
#include <string.h>

#include "engine/runtime/kernels.h"
#include "engine/runtime/window_span.h"
#include "firmware/kernels/offset_pairs_dsp.h"
#include "firmware/kernels/pixel_pair_dsp.h"
#include "firmware/kernels/requantize_bounded_dsp.h"

namespace tinynas::runtime {

namespace {

namespace dsp = firmware::dsp;
using dsp::Acc2x2;
using dsp::PackedPixelPair;

constexpr int32_t kGroup = dsp::kElementsPerWord;
// Output channels whose start values, requantization constants and tail weights are tabled.
constexpr int32_t kChannelBlock = 16;
// K values packed per pass (two pixels as int16: 768 bytes of stack), plus the group of the K % 4
// trailing values.
constexpr int32_t kChunkGroups = 48;
constexpr int32_t kChunkValues = kChunkGroups * kGroup;
// A channel block's weights sign-extended once (dsp::unpack_weight_pairs, the K % 4 tail
// zero-padded) when K fits one chunk: the channel block shrinks to what this many bytes hold.
constexpr int32_t kUnpackedWeightBytes = 1280;
constexpr int32_t kUnpackedWeightPairs =
    kUnpackedWeightBytes / static_cast<int32_t>(sizeof(dsp::UnpackedWeightPair));

// Where K value k of pixel p (0 or 1) lives among the int16 lanes of a packed group: the even
// pair holds k % 4 == 0, 2, the odd pair k % 4 == 1, 3.
constexpr int32_t kLaneOfPosition[kGroup] = {0, 2, 1, 3};
constexpr int32_t kLanesPerGroup = 8;
constexpr int32_t kLanesPerPixel = 4;

struct Geometry {
  int32_t input_h, input_w, input_c, kernel_h, kernel_w, output_w, output_c;
  int32_t depth;  // K = kernel_h * kernel_w * input_c
};

struct ChannelBlock {
  int32_t begin = 0;
  int32_t count = 0;
  int32_t start[kChannelBlock];  // the bias: the offset travels with the packed inputs
  dsp::ChannelRequant requant[kChannelBlock];
  dsp::BoundedRequant bounded[kChannelBlock];
  bool all_bounded = true;       // every channel takes the short requantization
  int8x4_t tail[kChannelBlock];  // the row's K % 4 last weights, zero-padded to a word
};

class GeneralConv {
 public:
  GeneralConv(const ConvParams& params, const PerChannelQuantization& quant, const Geometry& g,
              const int8_t* input, const int8_t* filter, const int32_t* bias, int32_t pixels,
              int8_t* output)
      : params_(params),
        quant_(quant),
        g_(g),
        input_(input),
        filter_(filter),
        bias_(bias),
        output_(output),
        pixels_(pixels),
        depth4_(g.depth - g.depth % kGroup),
        tail_(g.depth % kGroup),
        offset_(dsp::splat_offset(params.input_offset)),
        range_(dsp::activation_range4(params)) {
    // Lanes past K in the tail group are never written: zero, like padded cells.
    memset(packed_, 0, sizeof(packed_));
  }

  void run() {
    int32_t block_channels = kChannelBlock;
    if (depth4_ <= kChunkValues) {
      const int32_t fit = dsp::unpacked_block_channels(
          kUnpackedWeightPairs, (g_.depth + kGroup - 1) / kGroup, kChannelBlock);
      unpacked_ = fit > 0;
      if (unpacked_) block_channels = fit;
    }
    for (int32_t begin = 0; begin < g_.output_c; begin += block_channels) {
      load_block(begin,
                 g_.output_c - begin < block_channels ? g_.output_c - begin : block_channels);
      for (int32_t p = 0; p < pixels_; p += 2) {
        const int32_t p1 = p + 1 < pixels_ ? p + 1 : p;  // an odd last pixel: packed twice
        int32_t k = 0;
        do {
          const int32_t chunk = depth4_ - k < kChunkValues ? depth4_ - k : kChunkValues;
          const bool last = k + chunk == depth4_;
          const int32_t end = last ? g_.depth : k + chunk;  // the last chunk takes the tail
          im2col(0, p, k, end);
          im2col(1, p1, k, end);
          pass(p, p1 != p, k, chunk, k == 0, last);
          k += chunk;
        } while (k < depth4_);
      }
    }
  }

 private:
  void load_block(int32_t begin, int32_t count) {
    block_.begin = begin;
    block_.count = count;
    block_.all_bounded = true;
    for (int32_t i = 0; i < count; ++i) {
      const int32_t channel = begin + i;
      block_.start[i] = bias_ != nullptr ? bias_[channel] : 0;
      block_.requant[i] = dsp::channel_requant(quant_, channel);
      block_.all_bounded =
          dsp::make_bounded_requant(
              quant_.multiplier[channel], quant_.shift[channel], params_.output_offset,
              dsp::accumulator_bound(block_.start[i], g_.depth), block_.bounded[i]) &&
          block_.all_bounded;
      uint8_t bytes[kGroup] = {0, 0, 0, 0};
      memcpy(bytes, filter_ + channel * g_.depth + depth4_, static_cast<size_t>(tail_));
      memcpy(&block_.tail[i], bytes, sizeof(bytes));
    }
    if (unpacked_) {
      dsp::unpack_weight_pairs(filter_ + begin * g_.depth, g_.depth, count / 2,
                               (g_.depth + kGroup - 1) / kGroup, weights_);
    }
  }

  // K values [k0, k_end) of output pixel `pixel` into slot `slot` of the packed pairs (k0 is a
  // multiple of 4 and lands in group 0).
  void im2col(int32_t slot, int32_t pixel, int32_t k0, int32_t k_end) {
    const int32_t out_y = pixel / g_.output_w;
    const int32_t out_x = pixel - out_y * g_.output_w;
    const WindowSpan rows =
        window_span(out_y, params_.stride_h, params_.pad_top, g_.kernel_h, g_.input_h);
    const WindowSpan cols =
        window_span(out_x, params_.stride_w, params_.pad_left, g_.kernel_w, g_.input_w);
    if (rows.begin > 0 || rows.end < g_.kernel_h || cols.begin > 0 || cols.end < g_.kernel_w) {
      clear_slot(slot, (k_end - k0 + kGroup - 1) / kGroup);
    }
    const int32_t kernel_row = g_.kernel_w * g_.input_c;
    const int32_t run_length = (cols.end - cols.begin) * g_.input_c;
    for (int32_t ky = rows.begin; ky < rows.end; ++ky) {
      const int32_t run_begin = ky * kernel_row + cols.begin * g_.input_c;
      const int32_t a = run_begin > k0 ? run_begin : k0;
      const int32_t run_end = run_begin + run_length;
      const int32_t b = run_end < k_end ? run_end : k_end;
      if (a >= b) continue;
      const int8_t* src =
          input_ + ((rows.origin + ky) * g_.input_w + cols.origin + cols.begin) * g_.input_c +
          (a - run_begin);
      write_run(slot, src, a - k0, b - a);
    }
  }

  void clear_slot(int32_t slot, int32_t groups) {
    for (int32_t gi = 0; gi < groups; ++gi) {
      int16x2_t* lanes = &packed_[gi].x0_even + 2 * slot;
      lanes[0] = 0;
      lanes[1] = 0;
    }
  }

  // One value at K position k of the slot whose first lane is at `lanes` (bytes: the lanes are
  // read back as words).
  static void put_lane(unsigned char* lanes, int32_t k, int32_t value) {
    const int16_t lane = static_cast<int16_t>(value);
    memcpy(lanes + 2 * ((k / kGroup) * kLanesPerGroup + kLaneOfPosition[k % kGroup]), &lane,
           sizeof(lane));
  }

  // n consecutive input values, from K position k (relative to the chunk), plus the offset.
  void write_run(int32_t slot, const int8_t* src, int32_t k, int32_t n) {
    unsigned char* lanes = reinterpret_cast<unsigned char*>(packed_) + slot * kLanesPerPixel * 2;
    const int32_t offset = params_.input_offset;
    for (; n > 0 && (k % kGroup) != 0; --n, ++k, ++src) {
      put_lane(lanes, k, *src + offset);
    }
    for (; n >= kGroup; n -= kGroup, k += kGroup, src += kGroup) {
      const dsp::OffsetPairs pairs = dsp::offset_pairs(offset_, dsp::load_int8x4(src));
      int16x2_t* words = &packed_[k / kGroup].x0_even + 2 * slot;
      words[0] = pairs.even;
      words[1] = pairs.odd;
    }
    for (; n > 0; --n, ++k, ++src) {
      put_lane(lanes, k, *src + offset);
    }
  }

  // The tail group (K % 4 values) against the zero-padded last weights of channels i, i + 1.
  static void mac_tail(const PackedPixelPair& x, int8x4_t w0, int8x4_t w1, Acc2x2& acc) {
    const int16x2_t w0e = dsp::even_pair(w0), w0o = dsp::odd_pair(w0);
    const int16x2_t w1e = dsp::even_pair(w1), w1o = dsp::odd_pair(w1);
    acc.p0c0 = __smlad(x.x0_odd, w0o, __smlad(x.x0_even, w0e, acc.p0c0));
    acc.p0c1 = __smlad(x.x0_odd, w1o, __smlad(x.x0_even, w1e, acc.p0c1));
    acc.p1c0 = __smlad(x.x1_odd, w0o, __smlad(x.x1_even, w0e, acc.p1c0));
    acc.p1c1 = __smlad(x.x1_odd, w1o, __smlad(x.x1_even, w1e, acc.p1c1));
  }

  // Packed K values [k, k + chunk) of pixels p, p + 1 into every channel of the block; `last`
  // adds the tail group and writes the outputs (pixel p + 1's only when `pair`).
  void pass(int32_t p, bool pair, int32_t k, int32_t chunk, bool first, bool last) {
    const int32_t groups = chunk / kGroup;
    int8_t* out0 = output_ + p * g_.output_c + block_.begin;
    int8_t* out1 = out0 + g_.output_c;
    int32_t i = 0;
    if (first && last && block_.all_bounded) {  // the common case, in one tight loop
      const int8_t* w = filter_ + block_.begin * g_.depth;
      int8_t* const pixel1 = pair ? out1 : discard_;  // an odd last pixel's outputs are dropped
      if (unpacked_) {  // the tail group is in the unpacked weights, zero-padded
        dsp::pixel_pair_channels<true, false>(packed_, groups + (tail_ != 0 ? 1 : 0), w, g_.depth,
                                              weights_, block_.count / 2, block_.start,
                                              block_.bounded, nullptr, range_, out0, pixel1);
      } else if (tail_ != 0) {
        dsp::pixel_pair_channels<false, true>(packed_, groups, w, g_.depth, nullptr,
                                              block_.count / 2, block_.start, block_.bounded,
                                              block_.tail, range_, out0, pixel1);
      } else {
        dsp::pixel_pair_channels<false, false>(packed_, groups, w, g_.depth, nullptr,
                                               block_.count / 2, block_.start, block_.bounded,
                                               nullptr, range_, out0, pixel1);
      }
      i = block_.count - block_.count % 2;
    }
    for (; i + 2 <= block_.count; i += 2) {
      const int8_t* w0 = filter_ + (block_.begin + i) * g_.depth;
      const int8_t* w1 = w0 + g_.depth;
      Acc2x2 acc;
      if (!dsp::mac_2x2_chunk(packed_, w0, w1, k, groups, block_.start, partial_, i, first, last,
                              acc)) {
        continue;
      }
      if (tail_ != 0) mac_tail(packed_[groups], block_.tail[i], block_.tail[i + 1], acc);
      const uint32_t word = dsp::requantize_2x2(acc, block_.all_bounded, &block_.bounded[i],
                                                &block_.requant[i], params_.output_offset, range_);
      dsp::store_int8x2(out0 + i, word);
      if (pair) dsp::store_int8x2(out1 + i, word >> 16);
    }
    if (i < block_.count) {  // odd channel count: the block's last channel alone
      const int8_t* w = filter_ + (block_.begin + i) * g_.depth;
      Acc2x2 acc = first ? Acc2x2{block_.start[i], 0, block_.start[i], 0}
                         : Acc2x2{partial_[i][0], 0, partial_[i][1], 0};
      dsp::mac_2x1(packed_, w + k, groups, acc.p0c0, acc.p1c0);
      if (!last) {
        partial_[i][0] = acc.p0c0;
        partial_[i][1] = acc.p1c0;
        return;
      }
      if (tail_ != 0) mac_tail(packed_[groups], block_.tail[i], block_.tail[i], acc);
      out0[i] = dsp::requantize_one(acc.p0c0, block_.requant[i], params_);
      if (pair) out1[i] = dsp::requantize_one(acc.p1c0, block_.requant[i], params_);
    }
  }

  const ConvParams& params_;
  const PerChannelQuantization& quant_;
  const Geometry g_;
  const int8_t* input_;
  const int8_t* filter_;
  const int32_t* bias_;
  int8_t* output_;
  const int32_t pixels_, depth4_, tail_;
  const int16x2_t offset_;
  const dsp::ActivationRange4 range_;
  ChannelBlock block_;
  PackedPixelPair packed_[kChunkGroups + 1];
  bool unpacked_ = false;  // the block's weights are in weights_
  dsp::UnpackedWeightPair weights_[kUnpackedWeightPairs];
  int8_t discard_[kChannelBlock];      // pixel 1's outputs when there is no pixel 1
  int32_t partial_[kChannelBlock][2];  // per channel, per pixel: sums of the chunks so far
};

}  // namespace

void conv2d_s8(const ConvParams& params, const PerChannelQuantization& quant,
               const Shape& input_shape, const int8_t* input, const Shape& filter_shape,
               const int8_t* filter, const int32_t* bias, const Shape& output_shape,
               int8_t* output) {
  // Locals first: the int8 stores may alias the shapes.
  const Geometry g{input_shape.h,  input_shape.w,
                   input_shape.c,  filter_shape.h,
                   filter_shape.w, output_shape.w,
                   output_shape.c, filter_shape.h * filter_shape.w * input_shape.c};
  GeneralConv conv(params, quant, g, input, filter, bias, output_shape.h * output_shape.w, output);
  conv.run();
}

// Must equal the runtime's value: the memory planner sized scratch with the host's copy.
int32_t conv2d_s8_get_buffer_size(const Shape& /*input_shape*/, const Shape& /*filter_shape*/) {
  return 0;
}

}  // namespace tinynas::runtime
