// Fully connected, Helium (MVE) path (replaces engine/runtime/fully_connected_s8.cpp and its DSP
// version in Cortex-M55 images). Bit-exact with the plain kernel.
//
// Four weight rows at a time against the input: per 16 input values one input load, four weight
// loads, four VMLADAVA (16 int8 products summed into a row's int32 accumulator) and four VADDVA
// (the row's weight sum, for the input offset: sum((x + offset) * w) = sum(x * w) + offset *
// sum(w)), so the weights are read once, in the same pass (whole_steps, in assembly). The last K %
// 16 values are one tail-predicated step (VCTP: inactive lanes load as zero). The four results are
// requantized as one vector (requantize_mve.h) and stored with a lane predicate, so O % 4 leftover
// rows run the same code with the missing rows pointing at the last real one.
#include "engine/runtime/arithmetic.h"
#include "engine/runtime/kernels.h"
#include "firmware/kernels/requantize_mve.h"

namespace tinynas::runtime {

namespace {

namespace mve = firmware::mve;

constexpr int32_t kRows = 4;

// Per row: the dot product with the input and the weight sum, in named variables so the
// compiler keeps them in registers.
struct RowSums {
  int32_t dot0, dot1, dot2, dot3;
  int32_t sum0, sum1, sum2, sum3;
};

// One step of 16 input values; kTail loads them under the `tail` predicate.
template <bool kTail>
inline void step_4_rows(const int8_t* input, const mve::WeightRows& w, int32_t k, mve_pred16_t tail,
                        RowSums& s) {
  const auto load = [tail](const int8_t* p) { return mve::load_bytes<kTail>(p, tail); };
  const int8x16_t x = load(input + k);
  const int8x16_t w0 = load(w.r0 + k);
  s.dot0 = vmladavaq_s8(s.dot0, x, w0);
  s.sum0 = vaddvaq_s8(s.sum0, w0);
  const int8x16_t w1 = load(w.r1 + k);
  s.dot1 = vmladavaq_s8(s.dot1, x, w1);
  s.sum1 = vaddvaq_s8(s.sum1, w1);
  const int8x16_t w2 = load(w.r2 + k);
  s.dot2 = vmladavaq_s8(s.dot2, x, w2);
  s.sum2 = vaddvaq_s8(s.sum2, w2);
  const int8x16_t w3 = load(w.r3 + k);
  s.dot3 = vmladavaq_s8(s.dot3, x, w3);
  s.sum3 = vaddvaq_s8(s.sum3, w3);
}

// The whole 16-value steps in assembly: VMLADAVA and VADDVA accumulate into even registers
// only and the eight sums need all of them (r0-r12 and lr), which the compiler will not hand
// out on its own; pinned, with the five pointers and the counter in the odd registers, a step
// is 15 instructions per 64 MACs with nothing spilled.
__attribute__((noinline)) void whole_steps(const int8_t* input, const mve::WeightRows& w,
                                           int32_t steps, RowSums& s) {
  register int32_t dot0 asm("r0") = s.dot0;
  register int32_t dot1 asm("r2") = s.dot1;
  register int32_t dot2 asm("r4") = s.dot2;
  register int32_t dot3 asm("r6") = s.dot3;
  register int32_t sum0 asm("r8") = s.sum0;
  register int32_t sum1 asm("r10") = s.sum1;
  register int32_t sum2 asm("r12") = s.sum2;
  register int32_t sum3 asm("lr") = s.sum3;
  const int8_t* x = input;
  const int8_t* w0 = w.r0;
  const int8_t* w1 = w.r1;
  const int8_t* w2 = w.r2;
  const int8_t* w3 = w.r3;
  int32_t n = steps;
  __asm__ volatile(
      "1:\n\t"
      "vldrb.8 q0, [%[x]], #16\n\t"
      "vldrb.8 q1, [%[w0]], #16\n\t"
      "vmladava.s8 %[dot0], q0, q1\n\t"
      "vaddva.s8 %[sum0], q1\n\t"
      "vldrb.8 q2, [%[w1]], #16\n\t"
      "vmladava.s8 %[dot1], q0, q2\n\t"
      "vaddva.s8 %[sum1], q2\n\t"
      "vldrb.8 q1, [%[w2]], #16\n\t"
      "vmladava.s8 %[dot2], q0, q1\n\t"
      "vaddva.s8 %[sum2], q1\n\t"
      "vldrb.8 q2, [%[w3]], #16\n\t"
      "vmladava.s8 %[dot3], q0, q2\n\t"
      "vaddva.s8 %[sum3], q2\n\t"
      "subs %[n], %[n], #1\n\t"
      "bne 1b"
      : [dot0] "+r"(dot0), [dot1] "+r"(dot1), [dot2] "+r"(dot2), [dot3] "+r"(dot3),
        [sum0] "+r"(sum0), [sum1] "+r"(sum1), [sum2] "+r"(sum2), [sum3] "+r"(sum3), [x] "+r"(x),
        [w0] "+r"(w0), [w1] "+r"(w1), [w2] "+r"(w2), [w3] "+r"(w3), [n] "+r"(n)
      :
      : "q0", "q1", "q2", "cc", "memory");
  s = RowSums{dot0, dot1, dot2, dot3, sum0, sum1, sum2, sum3};
}

RowSums dot_4_rows(const int8_t* input, const mve::WeightRows& w, int32_t depth) {
  RowSums sums{};
  const int32_t steps = depth / mve::kByteLanes;
  if (steps > 0) whole_steps(input, w, steps, sums);
  const int32_t k = steps * mve::kByteLanes;
  if (k < depth) step_4_rows<true>(input, w, k, vctp8q(static_cast<uint32_t>(depth - k)), sums);
  return sums;
}

}  // namespace

void fully_connected_s8(const ConvParams& params, const PerChannelQuantization& quant,
                        const Shape& /*input_shape*/, const int8_t* input,
                        const Shape& filter_shape, const int8_t* filter, const int32_t* bias,
                        const Shape& /*output_shape*/, int8_t* output) {
  const int32_t output_count = filter_shape.n;  // a local: the int8 stores may alias the shape
  const int32_t depth = fully_connected_depth(filter_shape);
  const int32_t input_offset = params.input_offset;
  const mve::OutputRange4 range = mve::output_range4(params);
  for (int32_t o = 0; o < output_count; o += kRows) {
    const int32_t count = min_i32(kRows, output_count - o);
    const mve_pred16_t lanes = vctp32q(static_cast<uint32_t>(count));
    const auto row = [&](int32_t r) { return filter + min_i32(o + r, output_count - 1) * depth; };
    const RowSums s = dot_4_rows(input, mve::WeightRows{row(0), row(1), row(2), row(3)}, depth);
    const auto accumulator = [&](int32_t r, int32_t dot, int32_t weight_sum) {
      const int32_t b = bias != nullptr && r < count ? bias[o + r] : 0;
      return mve::wrapping_add(mve::start_value(b, input_offset, weight_sum), dot);
    };
    const int32_t acc[kRows] = {accumulator(0, s.dot0, s.sum0), accumulator(1, s.dot1, s.sum1),
                                accumulator(2, s.dot2, s.sum2), accumulator(3, s.dot3, s.sum3)};
    const int32x4_t result = mve::requantize4(mve::lanes4(acc[0], acc[1], acc[2], acc[3]),
                                              mve::load_requant4(quant, o, lanes), range);
    vstrbq_p_s32(output + o, result, lanes);
  }
}

}  // namespace tinynas::runtime
