// Pointwise 1x1 convolution, DSP path (replaces engine/runtime/conv2d_1x1_s8.cpp in Cortex-M4/M7
// images). Bit-exact with the plain kernel.
//
// The work is a (pixels x Cin) by (Cin x Cout) matrix product, in blocks of 2 pixels x 2 output
// channels (pixel_pair_dsp.h): the two input rows of a pixel pair are sign-extended to int16
// pairs (SXTB16) once and stored interleaved on the stack. When Cin is a multiple of 4 and fits
// one packed chunk, a block of output channels also has its weights sign-extended once per call,
// so the inner loop per 4 input channels is four LDRD and eight SMLAD (16 MACs for 12
// instructions; the plain loop needs ~11 per 4 MACs); otherwise the weights are split on the fly
// (16 instructions). The input offset is folded into each channel's start value (bias +
// input_offset * sum(w), dot_product_dsp.h), and outputs take the short bounded requantization
// (requantize_bounded_dsp.h) when every channel of the block allows it: about 9 instructions
// per output instead of ~45.
//
// Leftovers keep simpler paths: an odd last pixel goes through the unpack-on-the-fly dot
// products, an odd last channel through a 2-pixel x 1-channel loop, Cin % 4 trailing input
// channels through plain multiply-accumulates, and inputs deeper than one chunk through passes
// with partial sums.
#include "engine/runtime/kernels.h"
#include "firmware/kernels/dot_product_dsp.h"
#include "firmware/kernels/pixel_pair_dsp.h"
#include "firmware/kernels/requantize_bounded_dsp.h"

namespace tinynas::runtime {

namespace {

namespace dsp = firmware::dsp;
using dsp::Acc2x2;
using dsp::PackedPixelPair;

// Output channels whose start values and requantization constants are tabled on the stack.
constexpr int32_t kChannelBlock = 32;
// Input channels packed per pass over the channel block (the stack buffer holds two pixels of
// this many channels as int16); deeper inputs are done in several passes with the partial sums
// kept in the block's accumulator table.
constexpr int32_t kDepthChunk = 256;
constexpr int32_t kGroupsPerChunk = kDepthChunk / dsp::kElementsPerWord;
// A channel block's weights sign-extended once per call (dsp::unpack_weight_pairs) when the input
// depth fits one chunk: the channel block shrinks to what this many bytes hold.
constexpr int32_t kUnpackedWeightBytes = 1408;
constexpr int32_t kUnpackedWeightPairs =
    kUnpackedWeightBytes / static_cast<int32_t>(sizeof(dsp::UnpackedWeightPair));

struct ChannelBlock {
  int32_t begin = 0;
  int32_t count = 0;
  int32_t start[kChannelBlock];  // bias + input_offset * sum(w)
  dsp::BoundedRequant bounded[kChannelBlock];
  bool all_bounded = true;  // every channel takes the short requantization
};

void load_channel_block(const ConvParams& params, const PerChannelQuantization& quant,
                        const int8_t* filter, const int32_t* bias, int32_t depth, int32_t begin,
                        int32_t count, ChannelBlock& block) {
  block.begin = begin;
  block.count = count;
  block.all_bounded = true;
  for (int32_t i = 0; i < count; ++i) {
    const int32_t channel = begin + i;
    const int32_t base = bias != nullptr ? bias[channel] : 0;
    const int32_t row_sum = dsp::row_sum(filter + channel * depth, depth);
    block.start[i] = static_cast<int32_t>(static_cast<uint32_t>(base) +
                                          static_cast<uint32_t>(params.input_offset) *
                                              static_cast<uint32_t>(row_sum));
    block.all_bounded = dsp::make_bounded_requant(
                            quant.multiplier[channel], quant.shift[channel], params.output_offset,
                            dsp::accumulator_bound(base, depth), block.bounded[i]) &&
                        block.all_bounded;
  }
}

PackedPixelPair pack_group(const int8_t* x0, const int8_t* x1) {
  const int8x4_t a = dsp::load_int8x4(x0);
  const int8x4_t b = dsp::load_int8x4(x1);
  return PackedPixelPair{dsp::even_pair(a), dsp::odd_pair(a), dsp::even_pair(b), dsp::odd_pair(b)};
}

// Two groups per step: the pack is redone for every channel block.
void pack_pixel_pair(const int8_t* x0, const int8_t* x1, int32_t groups, PackedPixelPair* out) {
  PackedPixelPair* const pairs_end = out + (groups & ~1);
  for (; out != pairs_end; out += 2) {
    out[0] = pack_group(x0, x1);
    out[1] = pack_group(x0 + dsp::kElementsPerWord, x1 + dsp::kElementsPerWord);
    x0 += 2 * dsp::kElementsPerWord;
    x1 += 2 * dsp::kElementsPerWord;
  }
  if ((groups & 1) != 0) *out = pack_group(x0, x1);
}

// Trailing input channels (depth % 4) of one pixel and one weight row.
inline int32_t mac_tail(const int8_t* x, const int8_t* w, int32_t count, int32_t acc) {
  for (int32_t k = 0; k < count; ++k) acc += static_cast<int32_t>(x[k]) * w[k];
  return acc;
}

class PointwiseConv {
 public:
  PointwiseConv(const ConvParams& params, const PerChannelQuantization& quant,
                const Shape& input_shape, const int8_t* input, const int8_t* filter,
                const int32_t* bias, const Shape& output_shape, int8_t* output)
      : params_(params),
        quant_(quant),
        input_(input),
        filter_(filter),
        bias_(bias),
        output_(output),
        pixels_(input_shape.h * input_shape.w),
        depth_(input_shape.c),
        output_c_(output_shape.c),
        depth4_(input_shape.c - input_shape.c % dsp::kElementsPerWord),
        range_(dsp::activation_range4(params)) {}

  void run() {
    // Channels per block: with unpacked weights as many as their buffer holds (at least a pair).
    const int32_t groups = depth4_ / dsp::kElementsPerWord;
    int32_t block_channels = kChannelBlock;
    if (depth4_ == depth_ && depth_ <= kDepthChunk) {
      const int32_t fit = dsp::unpacked_block_channels(kUnpackedWeightPairs, groups, kChannelBlock);
      unpacked_ = fit > 0;
      if (unpacked_) block_channels = fit;
    }
    for (int32_t begin = 0; begin < output_c_; begin += block_channels) {
      const int32_t count = output_c_ - begin < block_channels ? output_c_ - begin : block_channels;
      load_channel_block(params_, quant_, filter_, bias_, depth_, begin, count, block_);
      if (unpacked_) {
        dsp::unpack_weight_pairs(filter_ + begin * depth_, depth_, count / 2, groups, weights_);
      }
      int32_t p = 0;
      for (; p + 2 <= pixels_; p += 2) pixel_pair(p);
      if (p < pixels_) single_pixel(p);
    }
  }

 private:
  void pixel_pair(int32_t p) {
    const int8_t* x0 = input_ + p * depth_;
    const int8_t* x1 = x0 + depth_;
    if (depth_ <= kDepthChunk) {
      const int32_t groups = depth4_ / dsp::kElementsPerWord;
      pack_pixel_pair(x0, x1, groups, packed_);
      if (depth4_ == depth_ && block_.all_bounded) {
        int8_t* out0 = output_ + p * output_c_ + block_.begin;
        const int8_t* w = filter_ + block_.begin * depth_;
        if (unpacked_) {
          dsp::pixel_pair_channels<true, false>(packed_, groups, w, depth_, weights_,
                                                block_.count / 2, block_.start, block_.bounded,
                                                nullptr, range_, out0, out0 + output_c_);
        } else {
          dsp::pixel_pair_channels<false, false>(packed_, groups, w, depth_, nullptr,
                                                 block_.count / 2, block_.start, block_.bounded,
                                                 nullptr, range_, out0, out0 + output_c_);
        }
        if (block_.count % 2 == 0) return;
      }
      pixel_pair_pass(p, 0, depth4_, /*first=*/true, /*last=*/true);
      return;
    }
    for (int32_t k = 0; k < depth4_; k += kDepthChunk) {
      const int32_t chunk = depth4_ - k < kDepthChunk ? depth4_ - k : kDepthChunk;
      pack_pixel_pair(x0 + k, x1 + k, chunk / dsp::kElementsPerWord, packed_);
      pixel_pair_pass(p, k, chunk, k == 0, k + chunk == depth4_);
    }
  }

  // Input channels [k, k + chunk) (packed) of pixels p, p + 1 into every channel of the block;
  // `last` adds the trailing depth % 4 channels and writes the outputs.
  void pixel_pair_pass(int32_t p, int32_t k, int32_t chunk, bool first, bool last) {
    // The fast path has done the channel pairs: only the odd last channel is left.
    const bool pairs_done = first && last && depth4_ == depth_ && block_.all_bounded;
    const int32_t groups = chunk / dsp::kElementsPerWord;
    const int32_t tail = depth_ - depth4_;
    const int8_t* x0 = input_ + p * depth_;
    const int8_t* x1 = x0 + depth_;
    int8_t* out0 = output_ + p * output_c_ + block_.begin;
    int8_t* out1 = out0 + output_c_;
    int32_t i = pairs_done ? block_.count - block_.count % 2 : 0;
    for (; i + 2 <= block_.count; i += 2) {
      const int8_t* w0 = filter_ + (block_.begin + i) * depth_;
      const int8_t* w1 = w0 + depth_;
      Acc2x2 acc;
      if (!dsp::mac_2x2_chunk(packed_, w0, w1, k, groups, block_.start, partial_, i, first, last,
                              acc)) {
        continue;
      }
      if (tail != 0) {
        acc.p0c0 = mac_tail(x0 + depth4_, w0 + depth4_, tail, acc.p0c0);
        acc.p0c1 = mac_tail(x0 + depth4_, w1 + depth4_, tail, acc.p0c1);
        acc.p1c0 = mac_tail(x1 + depth4_, w0 + depth4_, tail, acc.p1c0);
        acc.p1c1 = mac_tail(x1 + depth4_, w1 + depth4_, tail, acc.p1c1);
      }
      const dsp::ChannelRequant general_requant[2] = {requant(i), requant(i + 1)};
      const uint32_t word = dsp::requantize_2x2(acc, block_.all_bounded, &block_.bounded[i],
                                                general_requant, params_.output_offset, range_);
      dsp::store_int8x2(out0 + i, word);
      dsp::store_int8x2(out1 + i, word >> 16);
    }
    if (i < block_.count) {  // odd channel count: the block's last channel alone
      const int8_t* w = filter_ + (block_.begin + i) * depth_;
      int32_t acc0 = first ? block_.start[i] : partial_[i][0];
      int32_t acc1 = first ? block_.start[i] : partial_[i][1];
      dsp::mac_2x1(packed_, w + k, groups, acc0, acc1);
      if (!last) {
        partial_[i][0] = acc0;
        partial_[i][1] = acc1;
        return;
      }
      acc0 = mac_tail(x0 + depth4_, w + depth4_, tail, acc0);
      acc1 = mac_tail(x1 + depth4_, w + depth4_, tail, acc1);
      out0[i] = dsp::requantize_one(acc0, requant(i), params_);
      out1[i] = dsp::requantize_one(acc1, requant(i), params_);
    }
  }

  // The odd last pixel: weight rows in pairs, unpacked on the fly.
  void single_pixel(int32_t p) {
    const int8_t* x = input_ + p * depth_;
    int8_t* out = output_ + p * output_c_ + block_.begin;
    int32_t i = 0;
    for (; i + 2 <= block_.count; i += 2) {
      const int8_t* w0 = filter_ + (block_.begin + i) * depth_;
      int32_t acc0 = block_.start[i], acc1 = block_.start[i + 1];
      dsp::dot_1x2(x, w0, w0 + depth_, depth_, acc0, acc1);
      out[i] = dsp::requantize_one(acc0, requant(i), params_);
      out[i + 1] = dsp::requantize_one(acc1, requant(i + 1), params_);
    }
    if (i < block_.count) {
      const int8_t* w = filter_ + (block_.begin + i) * depth_;
      out[i] =
          dsp::requantize_one(dsp::dot_1x1(x, w, depth_, block_.start[i]), requant(i), params_);
    }
  }

  // The general requantization constants of block channel i (the fallback paths; the common
  // case uses the bounded ones tabled in the block).
  dsp::ChannelRequant requant(int32_t i) const {
    return dsp::channel_requant(quant_, block_.begin + i);
  }

  const ConvParams& params_;
  const PerChannelQuantization& quant_;
  const int8_t* input_;
  const int8_t* filter_;
  const int32_t* bias_;
  int8_t* output_;
  const int32_t pixels_, depth_, output_c_, depth4_;
  const dsp::ActivationRange4 range_;
  ChannelBlock block_;
  PackedPixelPair packed_[kGroupsPerChunk];
  bool unpacked_ = false;  // the block's weights are in weights_
  // The unpacked weights serve one-chunk inputs only, the partial sums deeper ones: one buffer.
  union {
    dsp::UnpackedWeightPair weights_[kUnpackedWeightPairs];
    int32_t partial_[kChannelBlock][2];  // per channel, per pixel: sums of the chunks so far
  };
};

}  // namespace

void conv2d_1x1_s8(const ConvParams& params, const PerChannelQuantization& quant,
                   const Shape& input_shape, const int8_t* input, const Shape& /*filter_shape*/,
                   const int8_t* filter, const int32_t* bias, const Shape& output_shape,
                   int8_t* output) {
  PointwiseConv conv(params, quant, input_shape, input, filter, bias, output_shape, output);
  conv.run();
}

// Must equal the runtime's value: the memory planner sized scratch with the host's copy.
int32_t conv2d_1x1_s8_get_buffer_size(const Shape& /*input_shape*/, const Shape& /*filter_shape*/) {
  return 0;
}

}  // namespace tinynas::runtime
