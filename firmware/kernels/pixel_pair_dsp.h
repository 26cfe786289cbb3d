// The 2 pixels x 2 output channels block of the DSP convolutions (pointwise and general): the
// work is a (pixels x K) by (K x C_out) matrix product, and two input rows (two output pixels'
// K values) are sign-extended to int16 pairs once and stored interleaved (PackedPixelPair), so
// the inner loop per 4 K values is two LDRD of packed inputs, two weight loads, four SXTB16 and
// eight SMLAD: 16 MACs for 16 instructions, every unpacked word used twice; with the weights
// sign-extended ahead of time (UnpackedWeightPair) four LDRD and eight SMLAD. The common case of a
// channel block (bounded requantization, one chunk) runs in pixel_pair_channels.
#pragma once

#include <stdint.h>
#include <string.h>

#include "firmware/kernels/dot_product_dsp.h"
#include "firmware/kernels/requantize_bounded_dsp.h"
#include "firmware/kernels/requantize_dsp.h"
#include "firmware/kernels/simd32_dsp.h"

namespace tinynas::firmware::dsp {

// Four K values of a pixel pair, sign-extended: even/odd lanes as SXTB16 splits them.
struct PackedPixelPair {
  int16x2_t x0_even, x0_odd, x1_even, x1_odd;
};

struct Acc2x2 {
  int32_t p0c0, p0c1, p1c0, p1c1;  // pixel x output channel
};

// One group of 4 K values: two weight words against the packed pixel pair, 8 SMLAD. The
// loop is written in assembly because it needs 14 registers (4 accumulators, 3 pointers, the
// end, 6 temporaries), all of the Cortex-M's allocatable ones, and the compiler's own version
// spills the packed inputs to the stack on every step.
#define TINYNAS_MAC_2X2_GROUP               \
  "ldr %[wa], [%[w0]], #4\n\t"              \
  "ldrd %[x0e], %[x0o], [%[x]], #8\n\t"     \
  "ldrd %[x1e], %[x1o], [%[x]], #8\n\t"     \
  "sxtb16 %[t], %[wa]\n\t"                  \
  "smlad %[a00], %[x0e], %[t], %[a00]\n\t"  \
  "smlad %[a10], %[x1e], %[t], %[a10]\n\t"  \
  "sxtb16 %[wa], %[wa], ror #8\n\t"         \
  "smlad %[a00], %[x0o], %[wa], %[a00]\n\t" \
  "smlad %[a10], %[x1o], %[wa], %[a10]\n\t" \
  "ldr %[wa], [%[w1]], #4\n\t"              \
  "sxtb16 %[t], %[wa]\n\t"                  \
  "smlad %[a01], %[x0e], %[t], %[a01]\n\t"  \
  "smlad %[a11], %[x1e], %[t], %[a11]\n\t"  \
  "sxtb16 %[wa], %[wa], ror #8\n\t"         \
  "smlad %[a01], %[x0o], %[wa], %[a01]\n\t" \
  "smlad %[a11], %[x1o], %[wa], %[a11]\n\t"

// acc += packed pixel pair x weight rows w0, w1 over `groups` groups of 4 K values, two groups
// per loop step.
inline void mac_2x2(const PackedPixelPair* x, const int8_t* w0, const int8_t* w1, int32_t groups,
                    Acc2x2& acc) {
  int32_t a00 = acc.p0c0, a01 = acc.p0c1, a10 = acc.p1c0, a11 = acc.p1c1;
  int32_t x0e, x0o, x1e, x1o, wa, t;
  const PackedPixelPair* const pairs_end = x + (groups & ~1);
  if (x != pairs_end) {
    __asm__ volatile(
        "1:\n\t" TINYNAS_MAC_2X2_GROUP TINYNAS_MAC_2X2_GROUP
        "cmp %[x], %[end]\n\t"
        "bne 1b"
        : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [x] "+r"(x),
          [w0] "+r"(w0), [w1] "+r"(w1), [x0e] "=&r"(x0e), [x0o] "=&r"(x0o), [x1e] "=&r"(x1e),
          [x1o] "=&r"(x1o), [wa] "=&r"(wa), [t] "=&r"(t)
        : [end] "r"(pairs_end)
        : "cc", "memory");
  }
  if ((groups & 1) != 0) {
    __asm__ volatile(
        TINYNAS_MAC_2X2_GROUP
        : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [x] "+r"(x),
          [w0] "+r"(w0), [w1] "+r"(w1), [x0e] "=&r"(x0e), [x0o] "=&r"(x0o), [x1e] "=&r"(x1e),
          [x1o] "=&r"(x1o), [wa] "=&r"(wa), [t] "=&r"(t)
        :
        : "memory");
  }
  acc = Acc2x2{a00, a01, a10, a11};
}
#undef TINYNAS_MAC_2X2_GROUP

// acc0/acc1 (pixels 0/1) += packed pixel pair x weight row w.
inline void mac_2x1(const PackedPixelPair* x, const int8_t* w, int32_t groups, int32_t& acc0,
                    int32_t& acc1) {
  int32_t a0 = acc0, a1 = acc1;
  for (int32_t g = 0; g < groups; ++g) {
    const int8x4_t word = load_int8x4(w + g * kElementsPerWord);
    const int16x2_t w_even = even_pair(word), w_odd = odd_pair(word);
    a0 = __smlad(x[g].x0_even, w_even, a0);
    a1 = __smlad(x[g].x1_even, w_even, a1);
    a0 = __smlad(x[g].x0_odd, w_odd, a0);
    a1 = __smlad(x[g].x1_odd, w_odd, a1);
  }
  acc0 = a0;
  acc1 = a1;
}

// Weights of a channel pair sign-extended ahead of time (a layer's weights are reused by every
// pixel pair): per group of 4 K values, channel 0's even and odd pairs, then channel 1's.
struct UnpackedWeightPair {
  int16x2_t w0_even, w0_odd, w1_even, w1_odd;
};

// One group against pre-unpacked weights: four LDRD and eight SMLAD for 16 MACs (12 instructions
// instead of 16).
#define TINYNAS_MAC_2X2_UNPACKED_GROUP      \
  "ldrd %[x0e], %[x0o], [%[x]], #8\n\t"     \
  "ldrd %[x1e], %[x1o], [%[x]], #8\n\t"     \
  "ldrd %[we], %[wo], [%[w]], #8\n\t"       \
  "smlad %[a00], %[x0e], %[we], %[a00]\n\t" \
  "smlad %[a10], %[x1e], %[we], %[a10]\n\t" \
  "smlad %[a00], %[x0o], %[wo], %[a00]\n\t" \
  "smlad %[a10], %[x1o], %[wo], %[a10]\n\t" \
  "ldrd %[we], %[wo], [%[w]], #8\n\t"       \
  "smlad %[a01], %[x0e], %[we], %[a01]\n\t" \
  "smlad %[a11], %[x1e], %[we], %[a11]\n\t" \
  "smlad %[a01], %[x0o], %[wo], %[a01]\n\t" \
  "smlad %[a11], %[x1o], %[wo], %[a11]\n\t"

// acc += packed pixel pair x unpacked weight pair over `groups` groups, two per loop step.
inline void mac_2x2_unpacked(const PackedPixelPair* x, const UnpackedWeightPair* w, int32_t groups,
                             Acc2x2& acc) {
  int32_t a00 = acc.p0c0, a01 = acc.p0c1, a10 = acc.p1c0, a11 = acc.p1c1;
  int32_t x0e, x0o, x1e, x1o, we, wo;
  const PackedPixelPair* const pairs_end = x + (groups & ~1);
  if (x != pairs_end) {
    __asm__ volatile("1:\n\t" TINYNAS_MAC_2X2_UNPACKED_GROUP TINYNAS_MAC_2X2_UNPACKED_GROUP
                     "cmp %[x], %[end]\n\t"
                     "bne 1b"
                     : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11),
                       [x] "+r"(x), [w] "+r"(w), [x0e] "=&r"(x0e), [x0o] "=&r"(x0o),
                       [x1e] "=&r"(x1e), [x1o] "=&r"(x1o), [we] "=&r"(we), [wo] "=&r"(wo)
                     : [end] "r"(pairs_end)
                     : "cc", "memory");
  }
  if ((groups & 1) != 0) {
    __asm__ volatile(TINYNAS_MAC_2X2_UNPACKED_GROUP
                     : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11),
                       [x] "+r"(x), [w] "+r"(w), [x0e] "=&r"(x0e), [x0o] "=&r"(x0o),
                       [x1e] "=&r"(x1e), [x1o] "=&r"(x1o), [we] "=&r"(we), [wo] "=&r"(wo)
                     :
                     : "memory");
  }
  acc = Acc2x2{a00, a01, a10, a11};
}
#undef TINYNAS_MAC_2X2_UNPACKED_GROUP

// Weight rows w, w + depth, ... (`pairs` channel pairs) unpacked for mac_2x2_unpacked: pair j's
// groups at out + j * groups. With depth % 4 != 0 the last group holds the row's last values
// padded with zero weights (groups = depth / 4 rounded up).
inline void unpack_weight_pairs(const int8_t* w, int32_t depth, int32_t pairs, int32_t groups,
                                UnpackedWeightPair* out) {
  const int32_t full = depth / kElementsPerWord;
  for (int32_t j = 0; j < pairs; ++j) {
    const int8_t* w0 = w + 2 * j * depth;
    const int8_t* w1 = w0 + depth;
    for (int32_t g = 0; g < groups; ++g) {
      int8x4_t a, b;
      if (g < full) {
        a = load_int8x4(w0 + g * kElementsPerWord);
        b = load_int8x4(w1 + g * kElementsPerWord);
      } else {  // the zero-padded last group
        const size_t left = static_cast<size_t>(depth - g * kElementsPerWord);
        int8_t bytes[2][kElementsPerWord] = {};
        memcpy(bytes[0], w0 + g * kElementsPerWord, left);
        memcpy(bytes[1], w1 + g * kElementsPerWord, left);
        a = load_int8x4(bytes[0]);
        b = load_int8x4(bytes[1]);
      }
      *out++ = UnpackedWeightPair{even_pair(a), odd_pair(a), even_pair(b), odd_pair(b)};
    }
  }
}

// Channel-block size for unpacked weights: as many channels (an even count, at most `channels`)
// as `pairs_capacity` unpacked pairs hold at `groups` groups per row; 0 when fewer than
// kMinUnpackedChannels fit, where repacking the inputs for every small block would cost more than
// the unpacking saves.
inline constexpr int32_t kMinUnpackedChannels = 6;
inline int32_t unpacked_block_channels(int32_t pairs_capacity, int32_t groups, int32_t channels) {
  if (groups <= 0) return 0;
  const int32_t fit = 2 * (pairs_capacity / groups);
  if (fit < kMinUnpackedChannels) return 0;
  return fit < channels ? fit : channels;
}

// K chunk [k, k + groups * 4) of channels i, i + 1 (weight rows w0, w1 from their start) into
// acc: starting from the start values on the first chunk, else from the partial sums of the
// chunks so far (partial[channel][pixel]). Returns whether the sums are complete (`last`);
// otherwise they are kept in `partial` for the next chunk.
inline bool mac_2x2_chunk(const PackedPixelPair* packed, const int8_t* w0, const int8_t* w1,
                          int32_t k, int32_t groups, const int32_t* start, int32_t (*partial)[2],
                          int32_t i, bool first, bool last, Acc2x2& acc) {
  acc = first ? Acc2x2{start[i], start[i + 1], start[i], start[i + 1]}
              : Acc2x2{partial[i][0], partial[i + 1][0], partial[i][1], partial[i + 1][1]};
  mac_2x2(packed, w0 + k, w1 + k, groups, acc);
  if (last) return true;
  partial[i][0] = acc.p0c0;
  partial[i + 1][0] = acc.p0c1;
  partial[i][1] = acc.p1c0;
  partial[i + 1][1] = acc.p1c1;
  return false;
}

// The block's four outputs (channels of q[0], q[1] for both pixels), clamped to the activation
// range: pixel 0's two in the low half-word. `bounded`: every channel takes the short path.
inline uint32_t requantize_2x2(const Acc2x2& acc, bool bounded, const BoundedRequant* bq,
                               const ChannelRequant* q, int32_t output_offset,
                               const ActivationRange4& range) {
  if (bounded) {
    return clamp_int8x4(
        pack_int8x4(bounded_scale_to_int8(acc.p0c0, bq[0]), bounded_scale_to_int8(acc.p0c1, bq[1]),
                    bounded_scale_to_int8(acc.p1c0, bq[0]), bounded_scale_to_int8(acc.p1c1, bq[1])),
        range);
  }
  return clamp_int8x4(pack_int8x4(scale_to_int8(acc.p0c0, q[0], output_offset),
                                  scale_to_int8(acc.p0c1, q[1], output_offset),
                                  scale_to_int8(acc.p1c0, q[0], output_offset),
                                  scale_to_int8(acc.p1c1, q[1], output_offset)),
                      range);
}

// requantize_2x2 on the bounded path, inlined into the channel loop below.
__attribute__((always_inline)) inline uint32_t bounded_requantize_2x2(
    const Acc2x2& acc, const BoundedRequant* q, const ActivationRange4& range) {
  return clamp_int8x4(
      pack_int8x4(bounded_scale_to_int8(acc.p0c0, q[0]), bounded_scale_to_int8(acc.p0c1, q[1]),
                  bounded_scale_to_int8(acc.p1c0, q[0]), bounded_scale_to_int8(acc.p1c1, q[1])),
      range);
}

inline void store_int8x2(int8_t* p, uint32_t word) {
  const uint16_t half = static_cast<uint16_t>(word);
  memcpy(p, &half, sizeof(half));  // an unaligned STRH: allowed on ARMv7-M
}

// The common case of a channel block, kept in one tight loop: the whole K in one packed chunk and
// every channel on the bounded requantization. `pairs` channel pairs from weight row w (rows
// `depth` bytes apart) against the packed pixel pair (`groups` groups), start values and
// constants per channel. kUnpacked: the rows come from unpack_weight_pairs (`unpacked`) instead.
// kTail: `tail` holds the zero-padded weights of each row's K % 4 last values, against packed
// group `groups`. Outputs of pixel 0 go to out0, of pixel 1 to out1, channel pairs 2 bytes apart.
template <bool kUnpacked, bool kTail>
void pixel_pair_channels(const PackedPixelPair* packed, int32_t groups, const int8_t* w,
                         int32_t depth, const UnpackedWeightPair* unpacked, int32_t pairs,
                         const int32_t* start, const BoundedRequant* q, const int8x4_t* tail,
                         const ActivationRange4& range, int8_t* out0, int8_t* out1) {
  for (int32_t j = 0; j < pairs; ++j) {
    Acc2x2 acc{start[0], start[1], start[0], start[1]};
    if (kUnpacked) {
      mac_2x2_unpacked(packed, unpacked, groups, acc);
      unpacked += groups;
    } else {
      mac_2x2(packed, w, w + depth, groups, acc);
      w += 2 * depth;
    }
    if (kTail) {
      const PackedPixelPair& x = packed[groups];
      const int16x2_t w0e = even_pair(tail[0]), w0o = odd_pair(tail[0]);
      const int16x2_t w1e = even_pair(tail[1]), w1o = odd_pair(tail[1]);
      acc.p0c0 = __smlad(x.x0_odd, w0o, __smlad(x.x0_even, w0e, acc.p0c0));
      acc.p0c1 = __smlad(x.x0_odd, w1o, __smlad(x.x0_even, w1e, acc.p0c1));
      acc.p1c0 = __smlad(x.x1_odd, w0o, __smlad(x.x1_even, w0e, acc.p1c0));
      acc.p1c1 = __smlad(x.x1_odd, w1o, __smlad(x.x1_even, w1e, acc.p1c1));
      tail += 2;
    }
    const uint32_t word = bounded_requantize_2x2(acc, q, range);
    store_int8x2(out0, word);
    store_int8x2(out1, word >> 16);
    start += 2;
    q += 2;
    out0 += 2;
    out1 += 2;
  }
}

}  // namespace tinynas::firmware::dsp
