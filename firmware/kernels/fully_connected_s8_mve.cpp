// Fully connected, Helium (MVE) path (replaces engine/runtime/fully_connected_s8.cpp and its DSP
// version in Cortex-M55 images). Bit-exact with the plain kernel.
//
// Four weight rows at a time against the input: per 16 input values one input load, four weight
// loads, four VMLADAVA (16 int8 products summed into a row's int32 accumulator) and four VADDVA
// (the row's weight sum, for the input offset: sum((x + offset) * w) = sum(x * w) + offset *
// sum(w)), so the weights are read once, in the same pass. The last K % 16 values are one
// tail-predicated step (VCTP: inactive lanes load as zero). The four results are requantized as
// one vector (requantize_mve.h) and stored with a lane predicate, so O % 4 leftover rows run the
// same code with the missing rows pointing at the last real one.
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

struct WeightRows {
  const int8_t* r0;
  const int8_t* r1;
  const int8_t* r2;
  const int8_t* r3;
};

// One step of 16 input values; kTail loads them under the `tail` predicate.
template <bool kTail>
inline void step_4_rows(const int8_t* input, const WeightRows& w, int32_t k, mve_pred16_t tail,
                        RowSums& s) {
  const auto load = [tail](const int8_t* p) { return kTail ? vldrbq_z_s8(p, tail) : vldrbq_s8(p); };
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

RowSums dot_4_rows(const int8_t* input, const WeightRows& w, int32_t depth) {
  RowSums sums{};
  int32_t k = 0;
  for (; k + mve::kByteLanes <= depth; k += mve::kByteLanes) {
    step_4_rows<false>(input, w, k, 0, sums);
  }
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
    const RowSums s = dot_4_rows(input, WeightRows{row(0), row(1), row(2), row(3)}, depth);
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
