// Pointwise 1x1 convolution, Helium (MVE) path (replaces engine/runtime/conv2d_1x1_s8.cpp and
// its DSP version in Cortex-M55 images). Bit-exact with the plain kernel.
//
// The (pixels x Cin) by (Cin x Cout) product in blocks of 2 pixels x 4 output channels: per 16
// input channels two input loads, four weight loads and eight VMLADAVA (16 int8 products summed
// into an int32 accumulator each), 128 MACs for 16 instructions with the loop (the block's four
// weight rows interleaved on the stack first, so one pointer reads them: dot_2x4_packed). The
// last Cin % 16 channels are one tail-predicated step (VCTP: inactive lanes load as zero). Output
// channels are the outer loop, so a block's start values (bias + input_offset * sum(w), the weight
// sums taken with VADDVA) and requantization constants are computed once and serve every pixel; the
// four accumulators of a pixel are requantized as one vector (requantize_mve.h) and stored with a
// lane predicate, which also covers Cout % 4 (missing rows point at the last real one) and the
// odd last pixel (its pair is itself, stored once).
#include "engine/runtime/arithmetic.h"
#include "engine/runtime/kernels.h"
#include "firmware/kernels/requantize_mve.h"

namespace tinynas::runtime {

namespace {

namespace mve = firmware::mve;

constexpr int32_t kChannels = 4;

// Accumulators of a block, in named variables: the compiler keeps them in registers (as arrays
// they went to the stack on every step).
struct PixelPairSums {
  int32_t p0c0, p0c1, p0c2, p0c3;
  int32_t p1c0, p1c1, p1c2, p1c3;
};

// One step of 16 input channels; kTail loads them under the `tail` predicate.
template <bool kTail>
inline void step_2x4(const int8_t* x0, const int8_t* x1, const mve::WeightRows& w, int32_t k,
                     mve_pred16_t tail, PixelPairSums& acc) {
  const auto load = [tail](const int8_t* p) { return mve::load_bytes<kTail>(p, tail); };
  const int8x16_t a = load(x0 + k);
  const int8x16_t b = load(x1 + k);
  const int8x16_t w0 = load(w.r0 + k);
  acc.p0c0 = vmladavaq_s8(acc.p0c0, a, w0);
  acc.p1c0 = vmladavaq_s8(acc.p1c0, b, w0);
  const int8x16_t w1 = load(w.r1 + k);
  acc.p0c1 = vmladavaq_s8(acc.p0c1, a, w1);
  acc.p1c1 = vmladavaq_s8(acc.p1c1, b, w1);
  const int8x16_t w2 = load(w.r2 + k);
  acc.p0c2 = vmladavaq_s8(acc.p0c2, a, w2);
  acc.p1c2 = vmladavaq_s8(acc.p1c2, b, w2);
  const int8x16_t w3 = load(w.r3 + k);
  acc.p0c3 = vmladavaq_s8(acc.p0c3, a, w3);
  acc.p1c3 = vmladavaq_s8(acc.p1c3, b, w3);
}

// acc += pixels x0, x1 (depth values each) times the four weight rows.
inline void dot_2x4(const int8_t* x0, const int8_t* x1, const mve::WeightRows& w, int32_t depth,
                    PixelPairSums& acc) {
  PixelPairSums a = acc;
  int32_t k = 0;
  for (; k + mve::kByteLanes <= depth; k += mve::kByteLanes) step_2x4<false>(x0, x1, w, k, 0, a);
  if (k < depth) step_2x4<true>(x0, x1, w, k, vctp8q(static_cast<uint32_t>(depth - k)), a);
  acc = a;
}

// Input channels whose weights a block interleaves on the stack (4 rows x 512 bytes); deeper
// inputs read the four rows where they are (dot_2x4 above).
constexpr int32_t kPackedDepth = 512;

// The block's four weight rows interleaved 16 bytes at a time, zero-padded to whole steps.
void pack_rows(const mve::WeightRows& w, int32_t depth, int8_t* packed) {
  const int8_t* const rows[kChannels] = {w.r0, w.r1, w.r2, w.r3};
  for (int32_t k = 0; k < depth; k += mve::kByteLanes) {
    const mve_pred16_t valid = vctp8q(static_cast<uint32_t>(depth - k));
    for (int32_t r = 0; r < kChannels; ++r) {
      vstrbq_s8(packed + kChannels * k + mve::kByteLanes * r, vldrbq_z_s8(rows[r] + k, valid));
    }
  }
}

// acc += pixels x0, x1 times the packed rows. VMLADAVA accumulates into even registers only,
// and the eight accumulators need all of them (r0-r12 and lr), which the compiler will not
// hand out on its own; so the whole steps are assembly with the accumulators pinned, and the
// loop counts down in an odd register. One input pointer per pixel and one for the packed
// rows (immediate offsets): 16 instructions per 128 MACs, nothing spilled. The last depth % 16
// channels are one step with the inputs loaded under a tail predicate (the padding of the
// packed rows is zero).
inline void dot_2x4_packed(const int8_t* x0, const int8_t* x1, const int8_t* packed, int32_t depth,
                           PixelPairSums& acc) {
  const int32_t steps = depth / mve::kByteLanes;
  const int32_t done = steps * mve::kByteLanes;
  {
    register int32_t a00 asm("r0") = acc.p0c0;
    register int32_t a01 asm("r2") = acc.p0c1;
    register int32_t a02 asm("r4") = acc.p0c2;
    register int32_t a03 asm("r6") = acc.p0c3;
    register int32_t a10 asm("r8") = acc.p1c0;
    register int32_t a11 asm("r10") = acc.p1c1;
    register int32_t a12 asm("r12") = acc.p1c2;
    register int32_t a13 asm("lr") = acc.p1c3;
    const int8_t* p0 = x0;
    const int8_t* p1 = x1;
    const int8_t* w = packed;
    int32_t n = steps;
    if (n > 0) {
      __asm__ volatile(
          "1:\n\t"
          "vldrb.8 q0, [%[p0]], #16\n\t"
          "vldrb.8 q1, [%[p1]], #16\n\t"
          "vldrb.8 q2, [%[w]], #64\n\t"
          "vmladava.s8 %[a00], q0, q2\n\t"
          "vmladava.s8 %[a10], q1, q2\n\t"
          "vldrb.8 q3, [%[w], #-48]\n\t"
          "vmladava.s8 %[a01], q0, q3\n\t"
          "vmladava.s8 %[a11], q1, q3\n\t"
          "vldrb.8 q2, [%[w], #-32]\n\t"
          "vmladava.s8 %[a02], q0, q2\n\t"
          "vmladava.s8 %[a12], q1, q2\n\t"
          "vldrb.8 q3, [%[w], #-16]\n\t"
          "vmladava.s8 %[a03], q0, q3\n\t"
          "vmladava.s8 %[a13], q1, q3\n\t"
          "subs %[n], %[n], #1\n\t"
          "bne 1b"
          : [a00] "+r"(a00), [a01] "+r"(a01), [a02] "+r"(a02), [a03] "+r"(a03), [a10] "+r"(a10),
            [a11] "+r"(a11), [a12] "+r"(a12), [a13] "+r"(a13), [p0] "+r"(p0), [p1] "+r"(p1),
            [w] "+r"(w), [n] "+r"(n)
          :
          : "q0", "q1", "q2", "q3", "cc", "memory");
    }
    acc = PixelPairSums{a00, a01, a02, a03, a10, a11, a12, a13};
  }
  if (done < depth) {
    const mve_pred16_t tail = vctp8q(static_cast<uint32_t>(depth - done));
    const mve::WeightRows rows{packed + kChannels * done,
                               packed + kChannels * done + mve::kByteLanes,
                               packed + kChannels * done + 2 * mve::kByteLanes,
                               packed + kChannels * done + 3 * mve::kByteLanes};
    PixelPairSums a = acc;
    step_2x4<true>(x0 + done, x1 + done, rows, 0, tail, a);
    acc = a;
  }
}

}  // namespace

void conv2d_1x1_s8(const ConvParams& params, const PerChannelQuantization& quant,
                   const Shape& input_shape, const int8_t* input, const Shape& /*filter_shape*/,
                   const int8_t* filter, const int32_t* bias, const Shape& output_shape,
                   int8_t* output) {
  const int32_t pixels = input_shape.h * input_shape.w;
  const int32_t depth = input_shape.c;
  const int32_t output_c = output_shape.c;
  const int32_t input_offset = params.input_offset;
  const mve::OutputRange4 range = mve::output_range4(params);
  alignas(16) int8_t packed[kChannels * kPackedDepth];
  const bool pack = depth <= kPackedDepth;
  for (int32_t c = 0; c < output_c; c += kChannels) {
    const int32_t count = min_i32(kChannels, output_c - c);
    const mve_pred16_t lanes = vctp32q(static_cast<uint32_t>(count));
    const int8_t* rows[kChannels];
    int32_t start[kChannels];
    for (int32_t i = 0; i < kChannels; ++i) {
      rows[i] = filter + min_i32(c + i, output_c - 1) * depth;
      const int32_t b = bias != nullptr && i < count ? bias[c + i] : 0;
      start[i] = mve::start_value(b, input_offset, mve::row_sum(rows[i], depth));
    }
    const mve::WeightRows w{rows[0], rows[1], rows[2], rows[3]};
    if (pack) pack_rows(w, depth, packed);
    const mve::Requant4 requant = mve::load_requant4(quant, c, lanes);
    for (int32_t p = 0; p < pixels; p += 2) {
      const int8_t* x0 = input + p * depth;
      const bool pair = p + 1 < pixels;
      PixelPairSums acc = {start[0], start[1], start[2], start[3],
                           start[0], start[1], start[2], start[3]};
      if (pack) {
        dot_2x4_packed(x0, pair ? x0 + depth : x0, packed, depth, acc);
      } else {
        dot_2x4(x0, pair ? x0 + depth : x0, w, depth, acc);
      }
      int8_t* out = output + p * output_c + c;
      vstrbq_p_s32(
          out,
          mve::requantize4(mve::lanes4(acc.p0c0, acc.p0c1, acc.p0c2, acc.p0c3), requant, range),
          lanes);
      if (pair) {
        vstrbq_p_s32(
            out + output_c,
            mve::requantize4(mve::lanes4(acc.p1c0, acc.p1c1, acc.p1c2, acc.p1c3), requant, range),
            lanes);
      }
    }
  }
}

// Must equal the runtime's value: the memory planner sized scratch with the host's copy.
int32_t conv2d_1x1_s8_get_buffer_size(const Shape& /*input_shape*/, const Shape& /*filter_shape*/) {
  return 0;
}

}  // namespace tinynas::runtime
