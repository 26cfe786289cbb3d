// Softmax, int8 in and int8 out (TFLite SOFTMAX int8, reference_ops::Softmax, which TFLite Micro
// runs too): per row, the difference of each value to the row's maximum is scaled by beta * scale
// into Q5.26 (differences below diff_min are treated as -infinity), exponentiated with gemmlowp's
// fixed-point exp, summed in Q12.19, and each exp is multiplied by the sum's reciprocal; the
// result, a probability in units of 1/256, is offset by the output zero point -128.
#include "engine/runtime/arithmetic.h"
#include "engine/runtime/fixed_point.h"
#include "engine/runtime/kernels.h"
#include "engine/runtime/requantize.h"

namespace tinynas::runtime {

namespace {

constexpr int kScaledDiffIntegerBits = 5;     // Q5.26 exp arguments
constexpr int kAccumulationIntegerBits = 12;  // Q12.19 sum of exps
constexpr int kOutputBits = 8;
constexpr int32_t kInt8Min = -128;
constexpr int32_t kInt8Max = 127;
constexpr int kMaxRoundingShift = 31;

// exp(beta * scale * diff) in Q0.31 for diff in [diff_min, 0] (TFLite
// MultiplyByQuantizedMultiplierGreaterThanOne, then gemmlowp exp_on_negative_values).
int32_t exp_of_difference(const SoftmaxParams& params, int32_t diff) {
  const int32_t shifted =
      static_cast<int32_t>(static_cast<uint32_t>(diff) << params.input_left_shift);
  const int32_t scaled_diff =
      saturating_rounding_doubling_high_mul(shifted, params.input_multiplier);
  return fixed_point::exp_on_negative_values<kScaledDiffIntegerBits>(scaled_diff);
}

// TFLite GetReciprocal: 1 / sum for a Q12.19 sum > 0, as a Q0.31 value of 1 / (sum / 2^bits)
// and the bits the sum has above 1.0.
int32_t reciprocal(int32_t sum, int* bits_over_unit) {
  const int headroom_plus_one = __builtin_clz(static_cast<uint32_t>(sum));
  *bits_over_unit = kAccumulationIntegerBits - headroom_plus_one;
  const int32_t shifted_sum_minus_one =
      static_cast<int32_t>((static_cast<uint32_t>(sum) << headroom_plus_one) - (uint32_t{1} << 31));
  return fixed_point::one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one);
}

// x / 2^exponent rounded to nearest for x >= 0. TFLite's reference uses gemmlowp's
// RoundingDivideByPOT, defined for exponents up to 31; a sum of exps of 512 or more (a row of
// 512+ nearly equal values) asks for more, where x < 2^31 <= 2^(exponent - 1) rounds to 0.
int32_t rounding_divide_non_negative(int32_t x, int exponent) {
  return exponent > kMaxRoundingShift ? 0 : rounding_divide_by_pot(x, exponent);
}

}  // namespace

void softmax_s8(const SoftmaxParams& params, int32_t rows, int32_t depth, const int8_t* input,
                int8_t* output) {
  for (int32_t row = 0; row < rows; ++row) {
    const int8_t* in = input + row * depth;
    int8_t* out = output + row * depth;
    int32_t max_in_row = kInt8Min;
    for (int32_t c = 0; c < depth; ++c) max_in_row = max_i32(max_in_row, in[c]);

    int32_t sum_of_exps = 0;  // Q12.19; depth <= kMaxSoftmaxDepth keeps it below 2^31
    for (int32_t c = 0; c < depth; ++c) {
      const int32_t diff = static_cast<int32_t>(in[c]) - max_in_row;
      if (diff < params.diff_min) continue;
      sum_of_exps +=
          rounding_divide_by_pot(exp_of_difference(params, diff), kAccumulationIntegerBits);
    }

    int bits_over_unit = 0;
    const int32_t shifted_scale = reciprocal(sum_of_exps, &bits_over_unit);
    const int exponent = bits_over_unit + 31 - kOutputBits;
    for (int32_t c = 0; c < depth; ++c) {
      const int32_t diff = static_cast<int32_t>(in[c]) - max_in_row;
      if (diff < params.diff_min) {
        out[c] = static_cast<int8_t>(kInt8Min);
        continue;
      }
      const int32_t probability = rounding_divide_non_negative(
          saturating_rounding_doubling_high_mul(shifted_scale, exp_of_difference(params, diff)),
          exponent);
      out[c] = static_cast<int8_t>(clamp_i32(probability + kInt8Min, kInt8Min, kInt8Max));
    }
  }
}

}  // namespace tinynas::runtime
